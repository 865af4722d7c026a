package main

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/paxossim/paxossim/scenarios"
)

// A seed replays the same run only at the same revision of the code, so
// every result the commands record (the JSON lines, the headers, the
// reports) names the revision the binary was built from. It comes from the
// binary alone: the VCS stamp the go command writes into it (go build in a
// checkout, with -buildvcs=true where GOFLAGS turns stamping off), or the
// -revision flag for a binary built without one (go run, -buildvcs=false,
// a build from a source tarball). Never from the git repository of the
// directory the command happens to run in, which may be another checkout,
// at another commit, or none.

// unknownRevision is what a binary with no VCS stamp and no -revision
// records.
const unknownRevision = "unknown"

// buildRevision is the binary's VCS stamp: vcs.revision, with "+dirty"
// when the tree had uncommitted changes (vcs.modified), or "" when the
// binary carries none.
func buildRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return revisionOf(info.Settings)
}

// revisionOf reads the revision from a binary's build settings.
func revisionOf(settings []debug.BuildSetting) string {
	rev, dirty := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && dirty {
		rev += "+dirty"
	}
	return rev
}

// revisionPattern is what -revision accepts: a commit hash, a tag or a
// version, optionally with +dirty.
var revisionPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._/-]*(\+dirty)?$`)

// revisionFlag adds -revision to a command.
func revisionFlag(fs *flagSet) *string {
	return fs.String("revision", "", "the VCS `REV`ision to record, for a binary built without a VCS stamp (go run, -buildvcs=false); a stamped binary records its own, and refuses a -revision it does not start with")
}

// resolveRevision is the revision a command records: the binary's stamp,
// or -revision (flag) when there is none, or "unknown". A -revision that
// contradicts the stamp is an error; one that abbreviates it (a short
// hash) records the full stamp.
// It also names the revision for the reports scenarios writes (their
// report.txt too).
func resolveRevision(flag string) (string, error) {
	rev, err := resolveRevisionFrom(flag, buildRevision())
	if err == nil {
		scenarios.SetRevision(rev)
	}
	return rev, err
}

func resolveRevisionFrom(flag, built string) (string, error) {
	if flag != "" && (len(flag) > maxRevisionLen || !revisionPattern.MatchString(flag)) {
		return "", fmt.Errorf("-revision %q: want a commit hash, tag or version of at most %d characters (letters, digits, . _ / -, optionally +dirty)", flag, maxRevisionLen)
	}
	switch {
	case flag == "" && built == "":
		return unknownRevision, nil
	case flag == "":
		return built, nil
	case built == "":
		return flag, nil
	case strings.HasPrefix(built, flag):
		return built, nil
	}
	return "", fmt.Errorf("-revision %s disagrees with the revision this binary was built from, %s", flag, built)
}
