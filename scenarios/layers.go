package scenarios

import (
	"fmt"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/protocol"
)

// checkLayers checks the history of each layer of a protocol that declares
// layers (protocol.Protocol.Layers) for linearizability against the
// layer's own model, bottom up, after the client history passed: a bug in
// a layer is reported as that layer's, even when the layers above it hide
// it from clients. The first layer that is not linearizable fails the run
// with CheckLayer, naming the layer and its first bad partition; a check
// that runs out of time fails it with CheckUnknown unless that is allowed.
func checkLayers(res *Result, opts lincheck.Options) {
	if len(res.Layers) == 0 {
		return
	}
	proto, err := protocol.Lookup(res.Params.Protocol)
	if err != nil {
		res.Failure = &Failure{Check: CheckSetup, Fact: err.Error()}
		return
	}
	for _, h := range res.Layers {
		i := proto.LayerIndex(h.Name)
		if i < 0 {
			res.Failure = &Failure{Check: CheckSetup, Fact: fmt.Sprintf("protocol %s has no layer %q", proto.Name, h.Name)}
			return
		}
		m := proto.Layers[i].Model
		r := lincheck.Judge(m, h.Ops, opts)
		switch r.Verdict {
		case VerdictViolation:
			res.Failure = &Failure{Check: CheckLayer, Fact: fmt.Sprintf("layer %s: %s", h.Name, r.Explanation)}
			return
		case VerdictUnknown:
			if !res.Params.Checks.AllowUnknown {
				res.Failure = &Failure{Check: CheckUnknown, Fact: fmt.Sprintf(
					"layer %s: %s; allow with allow_unknown or raise check_budget", h.Name, r.Explanation)}
				return
			}
		}
	}
}
