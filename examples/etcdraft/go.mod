module example.com/etcdraft

go 1.26

require (
	github.com/paxossim/paxossim v0.0.0
	go.etcd.io/raft/v3 v3.7.0
	google.golang.org/protobuf v1.36.11
)

require (
	github.com/anishathalye/porcupine v1.3.1 // indirect
	golang.org/x/mod v0.30.0 // indirect
	golang.org/x/sync v0.18.0 // indirect
	golang.org/x/tools v0.39.0 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)

replace github.com/paxossim/paxossim => ../..

tool github.com/paxossim/paxossim/cmd/detlint
