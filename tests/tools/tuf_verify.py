#!/usr/bin/python3
"""Check TUF metadata with an implementation that is not ours.

    tuf_verify.py METADATA_DIR

For every *.json in METADATA_DIR: the file's bytes must be the canonical
form (securesystemslib's encode_canonical, the OLPC canonical JSON that
TUF signs) of its own JSON; every key id in the root must be the SHA-256
of the canonical key object; and every signature must be a valid Ed25519
signature, by the key it names, over the canonical form of "signed".
Prints one line per file; exits 1 at the first failure.
"""
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from securesystemslib.formats import encode_canonical


def fail(msg):
    print("tuf_verify: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    d = sys.argv[1]
    roots = sorted(f for f in os.listdir(d) if f.endswith(".root.json"))
    if not roots:
        fail("no N.root.json in " + d)
    keys = {}
    for name in roots:
        with open(os.path.join(d, name), "rb") as f:
            for kid, key in json.loads(f.read())["signed"]["keys"].items():
                want = hashlib.sha256(encode_canonical(key).encode()).hexdigest()
                if kid != want:
                    fail("%s: key id %s, want %s" % (name, kid, want))
                keys[kid] = Ed25519PublicKey.from_public_bytes(
                    bytes.fromhex(key["keyval"]["public"]))
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(d, name), "rb") as f:
            raw = f.read()
        doc = json.loads(raw)
        if encode_canonical(doc).encode() != raw:
            fail(name + ": not in canonical form")
        signed = encode_canonical(doc["signed"]).encode()
        for s in doc["signatures"]:
            if s["keyid"] not in keys:
                fail(name + ": unknown key " + s["keyid"])
            try:
                keys[s["keyid"]].verify(bytes.fromhex(s["sig"]), signed)
            except Exception:
                fail(name + ": bad signature by " + s["keyid"])
        print("ok %s: canonical, %d signature(s) verify" %
              (name, len(doc["signatures"])))


main()
