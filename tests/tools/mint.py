#!/usr/bin/python3
"""Mint DPoP test cases with independent JOSE libraries (PyJWT, jwcrypto).

    /usr/bin/python3 tests/tools/mint.py OUTDIR NOW
    /usr/bin/python3 tests/tools/mint.py --pair OUTDIR METHOD HTU [TENANT]

Writes OUTDIR/jwks.json (the issuer's public keys) and OUTDIR/cases.json:
the issuer, audience and clock, RFC 7638 thumbprints computed by jwcrypto,
and request cases, each with the result tests/unit/t_auth.c must get
("ok", "401", "403" or "400").  Every token and proof is made by PyJWT or,
for the forgeries PyJWT refuses to make (alg none, HS256 keyed with a
public key), by hand from the standard library; nothing comes from the
code under test.  With --pair it writes OUTDIR/jwks.json, OUTDIR/issuer,
and one access token and proof for METHOD and HTU, minted now, as
OUTDIR/token and OUTDIR/proof, plus OUTDIR/proof-other-port, a proof for
the same URI on another port.  Needs Debian's python3-jwt, python3-jwcrypto and
python3-cryptography.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwcrypto import jwk as jwcrypto_jwk

ISSUER = "https://issuer.test/realms/export"
AUDIENCE = "export-center"
HOST = "127.0.0.1:18443"
RUNS = "/export-center/runs"
TENANT = "tenant-a"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# JWKs come from jwcrypto: PyJWT 2.6's to_jwk() drops leading zero bytes
# of a coordinate (1 key in 128), which RFC 7518 6.2.1.2 forbids and
# ec_jwk_parse() rightly refuses.
def public_jwk(key):
    return jwcrypto_jwk.JWK.from_pyca(key).export_public(as_dict=True)


def private_jwk(key):
    return jwcrypto_jwk.JWK.from_pyca(key).export_private(as_dict=True)


def thumbprint(jwk_dict):
    return jwcrypto_jwk.JWK(**jwk_dict).thumbprint()


def unsigned(header, claims, secret=None):
    """A compact JWS made by hand: alg none, or an HMAC with "secret"."""
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    sig = b""
    if secret is not None:
        sig = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


class Minter:
    def __init__(self, now):
        self.now = now
        self.issuer_key = ec.generate_private_key(ec.SECP256R1())
        self.other_issuer_key = ec.generate_private_key(ec.SECP256R1())
        self.stranger_key = ec.generate_private_key(ec.SECP256R1())
        self.client_key = ec.generate_private_key(ec.SECP256R1())
        self.other_client_key = ec.generate_private_key(ec.SECP256R1())
        self.jkt = thumbprint(public_jwk(self.client_key))
        self.jti = 0

    def jwks(self):
        keys = []
        for kid, key in (("iss-1", self.issuer_key),
                         ("iss-2", self.other_issuer_key)):
            k = public_jwk(key)
            k.update({"kid": kid, "use": "sig", "alg": "ES256"})
            keys.append(k)
        return {"keys": keys}

    def claims(self, **over):
        c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1",
             "exp": self.now + 300, "iat": self.now - 10,
             "nbf": self.now - 10, "scope": "export:read export:write",
             "tenant": TENANT, "cnf": {"jkt": self.jkt}}
        for k, v in over.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        return c

    def token(self, key=None, kid="iss-1", alg="ES256", headers=None,
              **over):
        h = {"kid": kid}
        h.update(headers or {})
        return jwt.encode(self.claims(**over), key or self.issuer_key,
                          algorithm=alg, headers=h)

    def proof(self, token, htm="GET", htu="https://" + HOST + RUNS,
              key=None, jwk=None, typ="dpop+jwt", **over):
        self.jti += 1
        c = {"htm": htm, "htu": htu, "iat": self.now,
             "jti": "jti-%d-%s" % (self.jti, os.urandom(8).hex()),
             "ath": b64url(hashlib.sha256(token.encode()).digest())}
        for k, v in over.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        signer = key or self.client_key
        h = {"typ": typ, "jwk": jwk or public_jwk(self.client_key)}
        return jwt.encode(c, signer, algorithm="ES256", headers=h)


# What the refusal of each case must say (a substring), so that a case
# cannot pass by failing for another reason.
WHY = {
    "expired token": "expired",
    "nbf in the future": "nbf",
    "token iat in the future": "(iat)",
    "no exp": "exp",
    "wrong iss": "issuer",
    "wrong aud": "audience",
    "no aud": "audience",
    "wrong scope: POST with export:read only": "scope export:write",
    "wrong scope: GET with export:write only": "scope export:read",
    "scope names compared whole": "scope export:read",
    "other tenant's header": "tenant",
    "token without tenant": "tenant",
    "no tenant header": "X-StellaOps-Tenant",
    "bad token signature (kid iss-1, other key)": "token: signature",
    "unknown kid": "unknown signing key",
    "token alg none": "token: algorithm not allowed",
    "HS256 keyed with the issuer's public PEM":
        "token: algorithm not allowed",
    "RS256 not configured": "token: algorithm not allowed",
    "ES384 not configured": "token: algorithm not allowed",
    "wrong cnf.jkt": "cnf.jkt does not match",
    "known token, proof by another key": "cnf.jkt does not match",
    "token not DPoP-bound": "no cnf.jkt",
    "proof presented as the access token": "token: typ",
    "token with crit": "crit",
    "token alg with an embedded NUL": "not JSON",
    "bad proof signature (jwk of one key, signed by another)":
        "proof: ES256 signature does not verify",
    "proof jwk with private d": "private member \"d\"",
    "proof typ JWT": "typ must be dpop+jwt",
    "proof alg none": "proof: algorithm not allowed",
    "wrong htm": "htm",
    "htu other host": "htu does not match",
    "htu other port": "htu does not match",
    "htu other scheme": "htu does not match",
    "htu other path": "htu does not match",
    "htu with query": "query",
    "htu with fragment": "fragment",
    "stale iat": "older than",
    "future iat": "iat is in the future",
    "wrong ath": "ath does not match",
    "no ath": "no ath",
    "missing jti": "jti",
    "jti too long": "jti",
    "replayed jti": "replay",
    "Bearer scheme": "scheme must be DPoP",
    "no DPoP header": "DPoP header missing",
    "two DPoP headers joined": "more than one DPoP header",
    "token over 8 KiB": "longer than 8192",
}


def case(name, expect, token, proof, method="GET", uri=RUNS, host=HOST,
         tenant=TENANT, scope="read", scheme="https", replay=False,
         authorization=None):
    if expect != "ok" and name not in WHY:
        raise SystemExit("mint.py: case %r has no WHY entry" % name)
    return {"name": name, "expect": expect, "why": WHY.get(name, ""),
            "authorization": authorization or "DPoP " + token,
            "dpop": proof, "method": method, "scheme": scheme,
            "host": host, "uri": uri, "tenant": tenant, "scope": scope,
            "replay": replay}


def cases(m):
    out = []
    t = m.token()
    out.append(case("valid GET", "ok", t, m.proof(t)))
    out.append(case("valid POST with export:write", "ok", t,
                    m.proof(t, htm="POST"), method="POST", scope="write"))
    out.append(case("valid, query in the request URI is ignored", "ok", t,
                    m.proof(t), uri=RUNS + "?limit=5"))
    out.append(case("valid, htu differs only by normalisation", "ok", t,
                    m.proof(t, htu="HTTPS://127.0.0.1:18443/export-center/"
                            "./%72uns")))
    t2 = m.token(aud=["other", AUDIENCE])
    out.append(case("valid, aud array", "ok", t2, m.proof(t2)))
    t2 = m.token(kid="iss-2", key=m.other_issuer_key)
    out.append(case("valid, second issuer key by kid", "ok", t2,
                    m.proof(t2)))
    t2 = m.token(exp=m.now - 20)
    out.append(case("expired, within leeway", "ok", t2, m.proof(t2)))

    t2 = m.token(exp=m.now - 120)
    out.append(case("expired token", "401", t2, m.proof(t2)))
    t2 = m.token(nbf=m.now + 600)
    out.append(case("nbf in the future", "401", t2, m.proof(t2)))
    t2 = m.token(iat=m.now + 600)
    out.append(case("token iat in the future", "401", t2, m.proof(t2)))
    t2 = m.token(exp=None)
    out.append(case("no exp", "401", t2, m.proof(t2)))
    t2 = m.token(iss="https://evil.test/")
    out.append(case("wrong iss", "401", t2, m.proof(t2)))
    t2 = m.token(aud="other-service")
    out.append(case("wrong aud", "401", t2, m.proof(t2)))
    t2 = m.token(aud=None)
    out.append(case("no aud", "401", t2, m.proof(t2)))
    t2 = m.token(scope="export:read")
    out.append(case("wrong scope: POST with export:read only", "403", t2,
                    m.proof(t2, htm="POST"), method="POST", scope="write"))
    t2 = m.token(scope="export:write")
    out.append(case("wrong scope: GET with export:write only", "403", t2,
                    m.proof(t2)))
    t2 = m.token(scope="export:readwrite export:rea")
    out.append(case("scope names compared whole", "403", t2, m.proof(t2)))
    out.append(case("other tenant's header", "403", t, m.proof(t),
                    tenant="tenant-b"))
    t2 = m.token(tenant=None)
    out.append(case("token without tenant", "403", t2, m.proof(t2)))
    out.append(case("no tenant header", "400", t, m.proof(t), tenant=None))

    t2 = m.token(key=m.stranger_key)
    out.append(case("bad token signature (kid iss-1, other key)", "401",
                    t2, m.proof(t2)))
    t2 = m.token(kid="iss-9")
    out.append(case("unknown kid", "401", t2, m.proof(t2)))
    t2 = unsigned({"alg": "none", "typ": "JWT", "kid": "iss-1"}, m.claims())
    out.append(case("token alg none", "401", t2, m.proof(t2)))
    pem = m.issuer_key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    t2 = unsigned({"alg": "HS256", "typ": "JWT", "kid": "iss-1"},
                  m.claims(), secret=pem)
    out.append(case("HS256 keyed with the issuer's public PEM", "401", t2,
                    m.proof(t2)))
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    t2 = m.token(key=rsa_key, alg="RS256")
    out.append(case("RS256 not configured", "401", t2, m.proof(t2)))
    p384 = ec.generate_private_key(ec.SECP384R1())
    t2 = m.token(key=p384, alg="ES384")
    out.append(case("ES384 not configured", "401", t2, m.proof(t2)))
    t2 = m.token(cnf={"jkt": thumbprint(public_jwk(m.other_client_key))})
    out.append(case("wrong cnf.jkt", "401", t2, m.proof(t2)))
    # A valid token (remembered by ec_auth since "valid GET") presented
    # with a good proof of another client's key: still not bound to it.
    out.append(case("known token, proof by another key", "401", t, m.proof(
        t, key=m.other_client_key, jwk=public_jwk(m.other_client_key))))
    t2 = m.token(cnf=None)
    out.append(case("token not DPoP-bound", "401", t2, m.proof(t2)))
    pt = m.proof(t)
    out.append(case("proof presented as the access token", "401", pt,
                    m.proof(pt)))
    t2 = m.token(headers={"crit": ["exp"]})
    out.append(case("token with crit", "401", t2, m.proof(t2)))
    t2 = unsigned({"alg": "ES256\u0000x", "kid": "iss-1"}, m.claims(),
                  secret=b"x")
    out.append(case("token alg with an embedded NUL", "401", t2,
                    m.proof(t2)))

    out.append(case("bad proof signature (jwk of one key, signed by "
                    "another)", "401", t, m.proof(
                        t, key=m.other_client_key)))
    out.append(case("proof jwk with private d", "401", t, m.proof(
        t, jwk=private_jwk(m.client_key))))
    out.append(case("proof typ JWT", "401", t, m.proof(t, typ="JWT")))
    p2 = unsigned({"alg": "none", "typ": "dpop+jwt",
                   "jwk": public_jwk(m.client_key)},
                  {"htm": "GET", "htu": "https://" + HOST + RUNS,
                   "iat": m.now, "jti": "none-1",
                   "ath": b64url(hashlib.sha256(t.encode()).digest())})
    out.append(case("proof alg none", "401", t, p2))
    out.append(case("wrong htm", "401", t, m.proof(t, htm="POST")))
    out.append(case("htu other host", "401", t,
                    m.proof(t, htu="https://evil.test" + RUNS)))
    out.append(case("htu other port", "401", t,
                    m.proof(t, htu="https://127.0.0.1:18444" + RUNS)))
    out.append(case("htu other scheme", "401", t,
                    m.proof(t, htu="http://" + HOST + RUNS)))
    out.append(case("htu other path", "401", t,
                    m.proof(t, htu="https://" + HOST + "/export-center/"
                            "profiles")))
    out.append(case("htu with query", "401", t,
                    m.proof(t, htu="https://" + HOST + RUNS + "?a=1")))
    out.append(case("htu with fragment", "401", t,
                    m.proof(t, htu="https://" + HOST + RUNS + "#f")))
    out.append(case("stale iat", "401", t, m.proof(t, iat=m.now - 300)))
    out.append(case("future iat", "401", t, m.proof(t, iat=m.now + 300)))
    out.append(case("wrong ath", "401", t, m.proof(
        t, ath=b64url(hashlib.sha256(b"another token").digest()))))
    out.append(case("no ath", "401", t, m.proof(t, ath=None)))
    out.append(case("missing jti", "401", t, m.proof(t, jti=None)))
    out.append(case("jti too long", "401", t, m.proof(t, jti="j" * 129)))
    out.append(case("replayed jti", "401", t, m.proof(t), replay=True))
    out.append(case("Bearer scheme", "401", t, m.proof(t),
                    authorization="Bearer " + t))
    out.append(case("no DPoP header", "401", t, None))
    out.append(case("two DPoP headers joined", "401", t,
                    m.proof(t) + ", " + m.proof(t)))
    big = m.token(pad="x" * 9000)
    out.append(case("token over 8 KiB", "401", big, m.proof(big)))
    return out


def pair(outdir, method, htu, tenant):
    m = Minter(int(time.time()))
    files = {"jwks.json": json.dumps(m.jwks()), "issuer": ISSUER}
    t = m.token(tenant=tenant)
    files["token"] = t
    files["proof"] = m.proof(t, htm=method, htu=htu)
    host, sep, rest = htu.partition("://")[2].partition("/")
    files["proof-other-port"] = m.proof(
        t, htm=method, htu="https://" + host.split(":")[0] + ":1" + sep +
        rest)
    for name, text in files.items():
        with open(os.path.join(outdir, name), "w") as f:
            f.write(text)


def main():
    if sys.argv[1] == "--pair":
        pair(sys.argv[2], sys.argv[3], sys.argv[4],
             sys.argv[5] if len(sys.argv) > 5 else TENANT)
        return
    outdir, now = sys.argv[1], int(sys.argv[2])
    m = Minter(now)
    with open(os.path.join(outdir, "jwks.json"), "w") as f:
        json.dump(m.jwks(), f, indent=1)
    thumbs = []
    for _ in range(4):
        k = public_jwk(ec.generate_private_key(ec.SECP256R1()))
        thumbs.append({"jwk": k, "thumbprint": thumbprint(k)})
    doc = {"issuer": ISSUER, "audience": AUDIENCE, "now": now,
           "thumbprints": thumbs, "cases": cases(m)}
    with open(os.path.join(outdir, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
