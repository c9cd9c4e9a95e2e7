// boltcheck: open a bbolt file with bbolt itself, the library Trivy links,
// run tx.Check(), walk every bucket and dump it, so tests can compare the
// dump with what the C writer was given.
//
//	boltcheck [-rw] FILE
//
// Output, one line per entry in cursor order (hex of raw bytes):
//
//	<depth> b <name> inline|paged     a nested bucket, then its entries
//	<depth> k <key> <value>           a plain key/value
//
// Besides Check, which in this bbolt version verifies pages only, the walk
// verifies that keys strictly increase within each bucket and that Get and
// Seek find every key, which exercises the branch pages.  With -rw a copy
// of the file is opened read-write, a key is added to a fresh bucket and
// Check runs again, so bbolt's own writer has to accept our pages.
// Exit status 0 when all holds, 1 with the reasons on stderr.
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

var failures int

func fail(format string, args ...interface{}) {
	failures++
	fmt.Fprintf(os.Stderr, "boltcheck: "+format+"\n", args...)
}

func check(tx *bolt.Tx, what string) {
	for err := range tx.Check() {
		fail("%s: tx.Check: %v", what, err)
	}
}

func walk(out *bufio.Writer, b *bolt.Bucket, depth int) {
	var prev []byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			fail("keys out of order at depth %d: %x then %x",
				depth, prev, k)
		}
		prev = append(prev[:0], k...)
		if sk, _ := b.Cursor().Seek(k); !bytes.Equal(sk, k) {
			fail("Seek(%x) found %x", k, sk)
		}
		if v == nil {
			child := b.Bucket(k)
			if child == nil {
				fail("bucket %x does not open", k)
				continue
			}
			kind := "paged"
			if child.Root() == 0 {
				kind = "inline"
			}
			fmt.Fprintf(out, "%d b %x %s\n", depth, k, kind)
			walk(out, child, depth+1)
			continue
		}
		if got := b.Get(k); !bytes.Equal(got, v) {
			fail("Get(%x) differs from the cursor's value", k)
		}
		fmt.Fprintf(out, "%d k %x %s\n", depth, k, hex.EncodeToString(v))
	}
}

func readOnly(path string) {
	db, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true})
	if err != nil {
		fail("open %s: %v", path, err)
		return
	}
	defer db.Close()
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	err = db.View(func(tx *bolt.Tx) error {
		check(tx, "read-only")
		walk(out, tx.Cursor().Bucket(), 0)
		return nil
	})
	if err != nil {
		fail("view: %v", err)
	}
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func readWrite(path string) {
	dir, err := os.MkdirTemp("", "boltcheck")
	if err != nil {
		fail("%v", err)
		return
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, "copy.db")
	if err := copyFile(cp, path); err != nil {
		fail("copy: %v", err)
		return
	}
	db, err := bolt.Open(cp, 0o600, nil)
	if err != nil {
		fail("open read-write: %v", err)
		return
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("\xffboltcheck"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	if err != nil {
		fail("update: %v", err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		check(tx, "after a write")
		return nil
	})
}

func main() {
	rw := flag.Bool("rw", false, "also write to a copy and check again")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: boltcheck [-rw] FILE")
		os.Exit(2)
	}
	readOnly(flag.Arg(0))
	if *rw {
		readWrite(flag.Arg(0))
	}
	if failures > 0 {
		os.Exit(1)
	}
}
