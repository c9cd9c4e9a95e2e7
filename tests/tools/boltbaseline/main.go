// boltbaseline: the benchmark's baseline (issue: trivy:db benchmark).  It
// inserts the rows tests/tools/trivy_build -o wrote, in the order their
// advisories came, through bbolt's ordinary API in one read-write
// transaction with default options, the way the upstream builder writes
// its buckets, so the C writer's time, peak RSS and file size can be
// compared with bbolt's on the same buckets and values.
//
//	boltbaseline [-compact OUT2.DB] ROWS OUT.DB
//	boltbaseline -dump IN.DB
//
// -dump prints the rows of a trivy.db (two bucket levels, or one for
// vulnerability and data-source) as "key TAB bucket TAB package TAB value"
// in hex, so that sorting the lines groups each vulnerability id's rows
// together, in the order an advisory-at-a-time builder writes them; the
// benchmark then moves the key back to the third column (ROWS format).
//
// With -compact the result is also copied with bbolt's Compact (what
// `bbolt compact` runs, and the upstream pipeline applies before it
// publishes), so file sizes can be compared with the published form too;
// ROWS "-" inserts nothing and only compacts an existing OUT.DB.
package main

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"

	bolt "go.etcd.io/bbolt"
)

func field(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "boltbaseline: bad row:", err)
		os.Exit(1)
	}
	return b
}

func main() {
	compact := flag.String("compact", "", "also write a compacted copy")
	dumpDB := flag.String("dump", "", "print the rows of a trivy.db")
	flag.Parse()
	if *dumpDB != "" {
		if err := dump(*dumpDB); err != nil {
			fmt.Fprintln(os.Stderr, "boltbaseline:", err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: boltbaseline [-compact OUT2.DB] ROWS OUT.DB")
		os.Exit(2)
	}
	in := os.Stdin
	if flag.Arg(0) != "-" {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "boltbaseline:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	} else {
		in, _ = os.Open(os.DevNull)
	}
	db, err := bolt.Open(flag.Arg(1), 0o644, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "boltbaseline:", err)
		os.Exit(1)
	}
	n := 0
	err = db.Update(func(tx *bolt.Tx) error {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 1<<20), 1<<30)
		for sc.Scan() {
			f := strings.Split(sc.Text(), "\t")
			if len(f) != 4 {
				return fmt.Errorf("row %d: %d fields", n+1, len(f))
			}
			b, err := tx.CreateBucketIfNotExists(field(f[0]))
			if err != nil {
				return err
			}
			if f[1] != "" {
				if b, err = b.CreateBucketIfNotExists(field(f[1])); err != nil {
					return err
				}
			}
			if err := b.Put(field(f[2]), field(f[3])); err != nil {
				return err
			}
			n++
		}
		return sc.Err()
	})
	if err == nil && *compact != "" {
		var dst *bolt.DB
		if dst, err = bolt.Open(*compact, 0o644, nil); err == nil {
			// 65536: bbolt compact's default transaction size.
			if err = bolt.Compact(dst, db, 65536); err == nil {
				_ = dst.View(func(tx *bolt.Tx) error {
					fmt.Printf("boltbaseline: compacted: %d bytes in use\n", tx.Size())
					return nil
				})
				err = dst.Close()
			}
		}
	}
	if err == nil {
		err = db.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "boltbaseline:", err)
		os.Exit(1)
	}
	fmt.Printf("boltbaseline: %d rows\n", n)
}

func dump(path string) error {
	db, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if v != nil {
					fmt.Fprintf(w, "%x\t%x\t\t%x\n", k, name, v)
					return nil
				}
				return b.Bucket(k).ForEach(func(k2, v2 []byte) error {
					fmt.Fprintf(w, "%x\t%x\t%x\t%x\n", k2, name, k, v2)
					return nil
				})
			})
		})
	})
	if err != nil {
		return err
	}
	return w.Flush()
}
