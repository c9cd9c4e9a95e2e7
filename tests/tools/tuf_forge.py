#!/usr/bin/python3
"""Re-sign TUF metadata, to forge the attacks a client must reject.

    tuf_forge.py IN OUT KEY.pem... [--set PATH=JSON]... [--meta NAME=FILE:VER]

Reads the metadata file IN, applies each --set (PATH is dot-separated
members of "signed", JSON the new value) and each --meta (signed.meta[NAME]
becomes the version VER, length and sha256 of FILE), signs "signed" with
the Ed25519 private keys (TUF key ids, canonical JSON of securesystemslib:
sorted members, no white space; our metadata is printable ASCII and
integers, where that equals json.dumps below) and writes OUT.  Only the
keys of the repository can make a signature the client accepts, so the
forgeries test the client's version, hash and length checks, not its
signature check.
"""
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode()


def main(argv):
    src, out = argv[0], argv[1]
    keys, sets, metas = [], [], []
    i = 2
    while i < len(argv):
        if argv[i] == "--set":
            sets.append(argv[i + 1])
            i += 2
        elif argv[i] == "--meta":
            metas.append(argv[i + 1])
            i += 2
        else:
            keys.append(argv[i])
            i += 1
    with open(src, "rb") as f:
        signed = json.load(f)["signed"]
    for s in sets:
        path, val = s.split("=", 1)
        node = signed
        parts = path.split(".")
        for p in parts[:-1]:
            node = node[p]
        node[parts[-1]] = json.loads(val)
    for m in metas:
        name, rest = m.split("=", 1)
        file, ver = rest.rsplit(":", 1)
        with open(file, "rb") as f:
            data = f.read()
        signed["meta"][name] = {
            "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
            "length": len(data), "version": int(ver)}
    sigs = []
    for k in keys:
        with open(k, "rb") as f:
            priv = serialization.load_pem_private_key(f.read(), None)
        pub = priv.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
        keyobj = {"keytype": "ed25519", "keyval": {"public": pub},
                  "scheme": "ed25519"}
        sigs.append({"keyid": hashlib.sha256(canon(keyobj)).hexdigest(),
                     "sig": priv.sign(canon(signed)).hex()})
    with open(out, "wb") as f:
        f.write(canon({"signatures": sigs, "signed": signed}))


if __name__ == "__main__":
    main(sys.argv[1:])
