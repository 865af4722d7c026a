package spec

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// DecodeStrict refuses unknown fields and anything but white space after
// the value, a stray closing bracket included.
func TestDecodeStrict(t *testing.T) {
	var v struct {
		A int `json:"a"`
	}
	assert.NoError(t, DecodeStrict([]byte(" {\"a\": 1}\n "), &v))
	assert.Equal(t, 1, v.A)
	for _, bad := range []string{`{"a":1}]`, `{"a":1}}`, `{"a":1} {"a":2}`, `{"a":1} x`, `{"b":1}`, `{"a":"1"}`, ``} {
		assert.Error(t, DecodeStrict([]byte(bad), &v), "%q", bad)
	}
}
