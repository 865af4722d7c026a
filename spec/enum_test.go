package spec_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/spec"
)

type color uint8

var colors = spec.Enum[color]{Spec: "paint", Type: "color", What: "color", Of: []string{1: "red", 2: "green", 3: "blue"}}

func TestEnum(t *testing.T) {
	assert.Equal(t, "green", colors.String(2))
	assert.Equal(t, "color(0)", colors.String(0), "the zero value is invalid")
	assert.Equal(t, "color(4)", colors.String(4))
	b, err := colors.Marshal(3)
	require.NoError(t, err)
	assert.Equal(t, "blue", string(b))
	_, err = colors.Marshal(0)
	assert.EqualError(t, err, "paint: cannot encode color(0)")
	v, err := colors.Unmarshal([]byte("red"))
	require.NoError(t, err)
	assert.Equal(t, color(1), v)
	_, err = colors.Unmarshal([]byte("mauve"))
	assert.EqualError(t, err, `paint: unknown color "mauve" (want red, green or blue)`)
	two := spec.Enum[color]{Spec: "s", Type: "T", What: "x", Of: []string{1: "a", 2: "b"}}
	_, err = two.Unmarshal(nil)
	assert.EqualError(t, err, `s: unknown x "" (want a or b)`)
}
