package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A seed whose run cannot be drawn (here, a nemesis that is not registered)
// fails with the reason, and the report keeps it: Explain does not replace
// it with what re-running the empty parameters would say.
func TestSetupFailureKeepsItsReason(t *testing.T) {
	sc, err := Lookup("chaos")
	require.NoError(t, err)
	c := *sc
	c.Faults, c.Nemesis = FaultsNemesis, "no-such-nemesis"
	res := Run(&c, 1, "", RunOptions{})
	require.NotNil(t, res.Failure)
	assert.Equal(t, CheckSetup, res.Failure.Check)
	assert.Contains(t, res.Failure.Fact, `Nemesis = "no-such-nemesis": unknown`)
	ex := Explain(res)
	require.NotNil(t, ex.Failure)
	assert.Equal(t, res.Failure.Fact, ex.Failure.Fact)
}
