package runner

// WithoutVoteChecks returns opts with the chosen and divergence checks left
// out, for the benchmark that measures their cost (checkcost_test.go).
func WithoutVoteChecks(opts Options) Options {
	opts.withoutVoteChecks = true
	return opts
}
