package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
	"github.com/assemble-build/assemble/assembler/fsutil"
)

func newBackup(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup NAME [-o FILE]",
		Short: "Write an archive of an instance's data",
		Long: `backup writes one archive (tar, compressed with zstd) of the instance NAME:
its etc/ and var/, its state, the current revision's lock, record and
manifest snapshot, and a dump of each postgresql.database part (pg_dump).
The backup steps of command parts run first. Built code is not in it: the
lock rebuilds it. The archive's last entry, backup.json, lists every other
entry with its sha256.

The instance is held while it is read: an install waits, or is refused.
The archive goes to FILE (default NAME-TIME.tar.zst in the current
directory; - for standard output), written under another name and
renamed into place once complete.`,
		Args: exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				out = fmt.Sprintf("%s-%s.tar.zst", args[0], time.Now().UTC().Format("20060102T150405Z"))
			}
			var rep *assembler.BackupReport
			err := writeOut(out, g.stdout, func(w io.Writer) error {
				var err error
				rep, err = assembler.Backup(context.Background(), g.options(args[0]), w)
				g.done()
				return err
			})
			if err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintf(g.stdout, "instance %s: revision %s backed up to %s (%d entries, %d dumps)\n", rep.Instance, rep.Revision, out, rep.Files, len(rep.Dumps))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the archive to `FILE` (- for standard output)")
	return cmd
}

// writeOut has write write to file, which appears only once complete,
// or to stdout for "-". The file holds passwords and data: it is the
// owner's alone.
func writeOut(file string, stdout io.Writer, write func(io.Writer) error) error {
	if file == "-" {
		return write(stdout)
	}
	return fsutil.WriteStream(file, 0o600, write)
}
