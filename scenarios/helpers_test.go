package scenarios

import "github.com/paxossim/paxossim/replica/multipaxos"

func mpGet(k string) multipaxos.Command    { return multipaxos.Get(k) }
func mpPut(k, v string) multipaxos.Command { return multipaxos.Put(k, v) }
func mpResult(v string) multipaxos.Result  { return multipaxos.Result{Value: v} }
