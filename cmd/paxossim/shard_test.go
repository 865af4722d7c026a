package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fakeEnv(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestParseShard(t *testing.T) {
	ok := []struct {
		spec  string
		count int
		env   map[string]string
		want  shard
	}{
		{"", 0, nil, noShard},
		{"0/1", 0, nil, shard{0, 1}},
		{"2/3", 0, nil, shard{2, 3}},
		{"2/3", 3, nil, shard{2, 3}},
		{"env", 4, map[string]string{envJobIndex: "3"}, shard{3, 4}},
		{"", 4, map[string]string{envJobIndex: "0"}, shard{0, 4}}, // -shard-count alone means -shard env
		{"env", 0, map[string]string{envNodeIndex: "1", envNodeTotal: "3"}, shard{0, 3}},
		{"env", 0, map[string]string{envNodeIndex: "3", envNodeTotal: "3"}, shard{2, 3}},
	}
	for _, c := range ok {
		got, err := parseShard(c.spec, c.count, fakeEnv(c.env))
		require.NoError(t, err, "%q %d %v", c.spec, c.count, c.env)
		assert.Equal(t, c.want, got, "%q %d %v", c.spec, c.count, c.env)
	}
	bad := []struct {
		spec  string
		count int
		env   map[string]string
		want  string
	}{
		{"3/3", 0, nil, `bad -shard "3/3"`},
		{"1/0", 0, nil, `bad -shard "1/0"`},
		{"+1/3", 0, nil, `bad -shard "+1/3"`},
		{" 1/3", 0, nil, `bad -shard " 1/3"`},
		{"1/3/4", 0, nil, `bad -shard "1/3/4"`},
		{"1", 0, nil, `bad -shard "1"`},
		{"1/3", 2, nil, "disagree"},
		{"env", 0, nil, "neither JOB_COMPLETION_INDEX"},
		{"env", 0, map[string]string{envJobIndex: "1"}, "needs -shard-count"},
		{"env", 2, map[string]string{envJobIndex: "2"}, `bad JOB_COMPLETION_INDEX="2"`},
		{"env", 2, map[string]string{envJobIndex: "x"}, `bad JOB_COMPLETION_INDEX="x"`},
		{"env", 0, map[string]string{envNodeIndex: "0", envNodeTotal: "3"}, `bad CI_NODE_INDEX="0"`},
		{"", -1, nil, "-shard-count -1"},
		{"0/100001", 0, nil, `bad -shard "0/100001": want i/n with 0 <= i < n <= 100000`},
		{"", 100001, map[string]string{envJobIndex: "0"}, "-shard-count 100001: must be at most 100000"},
		{"env", 0, map[string]string{envNodeIndex: "1", envNodeTotal: "100001"}, `CI_NODE_TOTAL="100001": want 1 <= index <= total <= 100000`},
	}
	for _, c := range bad {
		_, err := parseShard(c.spec, c.count, fakeEnv(c.env))
		if assert.Error(t, err, "%q %d %v", c.spec, c.count, c.env) {
			assert.Contains(t, err.Error(), c.want)
		}
	}
}

func TestShardSize(t *testing.T) {
	for _, count := range []int{0, 1, 2, 3, 10, 11, 12} {
		for n := 1; n <= 4; n++ {
			total := 0
			for i := 0; i < n; i++ {
				want := 0
				for k := 0; k < count; k++ {
					if k%n == i {
						want++
					}
				}
				assert.Equal(t, want, shard{i, n}.size(count), "%d/%d of %d", i, n, count)
				total += shard{i, n}.size(count)
			}
			assert.Equal(t, count, total)
		}
	}
}
