package sim

// ForgetCandidates drops the Sim's cached candidates, for tests that
// compare them with candidates listed afresh.
func ForgetCandidates(s *Sim) { s.candOK = false }
