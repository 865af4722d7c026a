module github.com/paxossim/paxossim

go 1.26
