package main

import (
	"fmt"
	"strconv"
	"strings"
)

// shard is this process's part of a sweep: the seeds whose index i (0-based,
// from the sweep's first seed) has i % count == index. Every shard of a
// sweep must be given the same -seed-start and -count, so that together they
// run each seed of the range exactly once; "paxossim merge" checks it.
type shard struct {
	index, count int // count 1: the whole sweep
}

var noShard = shard{0, 1}

func (s shard) String() string { return fmt.Sprintf("%d/%d", s.index, s.count) }

// size is how many of a sweep's count seeds fall in this shard.
func (s shard) size(count int) int {
	if count <= s.index {
		return 0
	}
	return (count-s.index-1)/s.count + 1
}

// The environment variables "-shard env" reads. A Kubernetes Indexed Job
// sets JOB_COMPLETION_INDEX (0-based) in each pod but not the number of
// completions, so -shard-count gives that; GitLab CI's "parallel: N" sets
// CI_NODE_INDEX (1-based) and CI_NODE_TOTAL. A CI matrix without such
// variables passes -shard ${{ matrix.index }}/N directly.
const (
	envJobIndex  = "JOB_COMPLETION_INDEX"
	envNodeIndex = "CI_NODE_INDEX"
	envNodeTotal = "CI_NODE_TOTAL"
)

// parseShard reads -shard and -shard-count (0 when not given):
//
//	-shard i/n                   explicit
//	-shard env -shard-count n    index from JOB_COMPLETION_INDEX
//	-shard-count n               the same as -shard env -shard-count n
//	-shard env                   GitLab: CI_NODE_INDEX/CI_NODE_TOTAL
//
// lookupEnv is os.LookupEnv outside tests.
func parseShard(spec string, countFlag int, lookupEnv func(string) (string, bool)) (shard, error) {
	if countFlag < 0 {
		return shard{}, fmt.Errorf("-shard-count %d: must be at least 1", countFlag)
	}
	if countFlag > maxShards {
		return shard{}, fmt.Errorf("-shard-count %d: must be at most %d", countFlag, maxShards)
	}
	switch {
	case spec == "" && countFlag == 0:
		return noShard, nil
	case spec == "" || spec == "env":
		return shardFromEnv(countFlag, lookupEnv)
	}
	sh, err := parseShardSpec(spec)
	if err != nil {
		return shard{}, fmt.Errorf("bad -shard %q: %v, or env", spec, err)
	}
	if countFlag != 0 && countFlag != sh.count {
		return shard{}, fmt.Errorf("-shard %s and -shard-count %d disagree on the number of shards", spec, countFlag)
	}
	return sh, nil
}

// parseShardSpec parses "i/n", as -shard takes it and a JSON line records
// it: decimal digits only, 0 <= i < n <= maxShards.
func parseShardSpec(spec string) (shard, error) {
	i, n, ok := strings.Cut(spec, "/")
	index, err1 := strconv.Atoi(i)
	count, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || strings.ContainsAny(spec, "+- \t") || count < 1 || count > maxShards || index < 0 || index >= count {
		return shard{}, fmt.Errorf("want i/n with 0 <= i < n <= %d (e.g. 2/8)", maxShards)
	}
	return shard{index, count}, nil
}

func shardFromEnv(countFlag int, lookupEnv func(string) (string, bool)) (shard, error) {
	if v, ok := lookupEnv(envJobIndex); ok {
		if countFlag == 0 {
			return shard{}, fmt.Errorf("-shard env with %s=%s needs -shard-count N (the Job's completions)", envJobIndex, v)
		}
		index, err := strconv.Atoi(v)
		if err != nil || index < 0 || index >= countFlag {
			return shard{}, fmt.Errorf("bad %s=%q for -shard-count %d: want 0 <= index < %d", envJobIndex, v, countFlag, countFlag)
		}
		return shard{index, countFlag}, nil
	}
	if v, ok := lookupEnv(envNodeIndex); ok {
		total, _ := lookupEnv(envNodeTotal)
		count, err := strconv.Atoi(total)
		if countFlag != 0 {
			count, err = countFlag, nil
		}
		index, err2 := strconv.Atoi(v)
		if err != nil || err2 != nil || count < 1 || count > maxShards || index < 1 || index > count {
			return shard{}, fmt.Errorf("bad %s=%q %s=%q: want 1 <= index <= total <= %d", envNodeIndex, v, envNodeTotal, total, maxShards)
		}
		return shard{index - 1, count}, nil
	}
	return shard{}, fmt.Errorf("-shard env: neither %s (Kubernetes Indexed Job) nor %s (GitLab CI) is set", envJobIndex, envNodeIndex)
}
