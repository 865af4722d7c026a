package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDiskShareCopiesOnChange: a shared disk and its copy read alike
// until either changes, and a change to one (a write, a sync, a crash)
// never shows in the other; the cached digest follows each change.
func TestDiskShareCopiesOnChange(t *testing.T) {
	for _, change := range []struct {
		name string
		do   func(d *Disk)
	}{
		{"write", func(d *Disk) { d.Write("b", []byte("2")) }},
		{"delete", func(d *Disk) { d.Delete("a") }},
		{"sync", func(d *Disk) { d.Sync() }},
		{"crash", func(d *Disk) { d.crash(0, false) }},
		{"tear", func(d *Disk) { d.crash(0, true) }},
	} {
		for _, copyChanges := range []bool{false, true} {
			build := func() *Disk {
				d := NewDisk()
				d.Write("a", []byte("1"))
				d.Sync()
				d.Write("c", []byte("3")) // unsynced
				return d
			}
			d, ref := build(), build()
			want := d.Digest()
			var c Disk
			d.share(&c)
			require.Equal(t, want, c.Digest())
			changed, kept := d, &c
			if copyChanges {
				changed, kept = &c, d
			}
			change.do(changed)
			require.NotEqual(t, want, changed.Digest(), "%s: the digest did not follow the change", change.name)
			// The kept disk must behave as a disk that was never shared,
			// now and after a crash: compare fresh digests (not cached
			// ones), scans and the durable view.
			for _, step := range []func(*Disk){func(*Disk) {}, func(d *Disk) { d.crash(0, false) }} {
				step(kept)
				step(ref)
				kept.digested, ref.digested = false, false
				require.Equal(t, ref.Digest(), kept.Digest(), "%s (copy changes: %v): the other disk changed", change.name, copyChanges)
				require.Equal(t, ref.Scan(""), kept.Scan(""), change.name)
				require.Equal(t, ref.Durable().Scan(""), kept.Durable().Scan(""), change.name)
				require.Equal(t, ref.Unsynced(), kept.Unsynced(), change.name)
				rk, _ := ref.SyncedSince(0)
				kk, _ := kept.SyncedSince(0)
				require.Equal(t, rk, kk, change.name)
			}
		}
	}
}
