#!/usr/bin/python3
"""Verify a DSSE envelope with a public key, independently of lib/ec_dsse.c.

Usage: /usr/bin/python3 tests/tools/dsse_verify.py ENVELOPE.json PUBKEY.pem
           [EXPECTED_PAYLOAD_TYPE]

Written from the DSSE protocol v1.0.0 (signing-formats.md section 1) with
only Debian's python3-cryptography, so that a bug shared with our C code
cannot hide.  PAE is computed here.  Ed25519 signatures are the raw 64
bytes; ECDSA P-256 ones are ASN.1 DER over SHA-256.  The keyid is a hint
and is ignored.  Exit 0 printing "OK <keyid>" (hex SHA-256 of the key's
SubjectPublicKeyInfo DER) when a signature verifies and the payloadType is
the expected one; otherwise exit 1 with the reason on stderr.
"""

import base64
import binascii
import hashlib
import json
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


class Reject(Exception):
    """The envelope does not verify; the message says why."""


def pae(payload_type, payload):
    """DSSE v1 PAE: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def b64decode(text, what):
    """Standard or URL-safe base64, padded or not (DSSE envelope spec)."""
    if not isinstance(text, str):
        raise Reject("%s is not a string" % what)
    if not re.fullmatch(r"[A-Za-z0-9+/_-]*={0,2}", text):
        raise Reject("%s is not base64" % what)
    body = text.rstrip("=")
    if re.search(r"[+/]", body) and re.search(r"[-_]", body):
        raise Reject("%s mixes base64 alphabets" % what)
    body = body.replace("-", "+").replace("_", "/")
    if len(body) % 4 == 1:
        raise Reject("%s has a bad base64 length" % what)
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4),
                                validate=True)
    except binascii.Error as e:
        raise Reject("%s: %s" % (what, e)) from None


def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise Reject("duplicate member %r" % k)
        seen[k] = v
    return seen


def load_key(path):
    with open(path, "rb") as f:
        key = serialization.load_pem_public_key(f.read())
    if isinstance(key, ed25519.Ed25519PublicKey):
        check = key.verify
    elif (isinstance(key, ec.EllipticCurvePublicKey)
          and isinstance(key.curve, ec.SECP256R1)):
        def check(sig, data):
            key.verify(sig, data, ec.ECDSA(hashes.SHA256()))
    else:
        raise Reject("%s: not an Ed25519 or ECDSA P-256 key" % path)
    spki = key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return check, hashlib.sha256(spki).hexdigest()


def verify(env_path, key_path, want_type):
    check, keyid = load_key(key_path)
    with open(env_path, "rb") as f:
        try:
            env = json.loads(f.read().decode("utf-8"),
                             object_pairs_hook=no_duplicates)
        except (UnicodeDecodeError, ValueError) as e:
            raise Reject("malformed envelope: %s" % e) from None
    if not isinstance(env, dict):
        raise Reject("malformed envelope: not an object")
    payload_type = env.get("payloadType", "")
    if not isinstance(payload_type, str):
        raise Reject("payloadType is not a string")
    payload = b64decode(env.get("payload", ""), "payload")
    sigs = env.get("signatures")
    if not isinstance(sigs, list) or not sigs:
        raise Reject("no signatures")
    message = pae(payload_type, payload)
    for i, s in enumerate(sigs):
        if not isinstance(s, dict):
            raise Reject("signatures[%d] is not an object" % i)
        try:
            sig = b64decode(s.get("sig", ""), "signatures[%d].sig" % i)
        except Reject:
            continue
        try:
            check(sig, message)
        except InvalidSignature:
            continue
        break
    else:
        raise Reject("no signature by key %s verifies" % keyid)
    # The spec's order: signature first, then the payloadType.
    if want_type is not None and payload_type != want_type:
        raise Reject("payloadType is %s, want %s" % (payload_type, want_type))
    return keyid


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write("usage: dsse_verify.py ENVELOPE.json PUBKEY.pem "
                         "[EXPECTED_PAYLOAD_TYPE]\n")
        return 2
    try:
        keyid = verify(argv[1], argv[2], argv[3] if len(argv) == 4 else None)
    except Reject as e:
        sys.stderr.write("FAIL %s\n" % e)
        return 1
    except (OSError, ValueError) as e:
        sys.stderr.write("FAIL %s\n" % e)
        return 1
    print("OK %s" % keyid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
