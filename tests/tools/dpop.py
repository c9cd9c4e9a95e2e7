#!/usr/bin/python3
"""A DPoP client made of standard JOSE libraries (PyJWT, jwcrypto), for
the API tests, the demo and the benchmark; nothing comes from the code
under test.

    dpop.py keygen DIR [KID]
        DIR/issuer.jwk: the issuer's ES256 private JWK (with its kid);
        DIR/jwks.json: its public half, the JWK set the service loads;
        DIR/client.jwk: the client's own ES256 key for proofs.
    dpop.py mint DIR ISSUER METHOD URL TENANT [OPTION=VALUE]...
        prints "TOKEN PROOF" on one line.  Options, for the refusals:
        scope=S  exp=SECONDS (from now)  iat=SECONDS (proof iat offset)
        htm=M  htu=URL  jti=J  ath=bad  alg=none  token_sig=bad
        proof_sig=bad  tenant=T (the token's claim)  aud=A
    dpop.py bulk DIR ISSUER METHOD URL TENANT N
        N lines "TOKEN PROOF", one token and N proofs with unique jti.

Needs Debian's python3-jwt, python3-jwcrypto and python3-cryptography.
"""
import base64
import hashlib
import json
import os
import sys
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jwk as jwcrypto_jwk


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load(path):
    with open(path) as f:
        return jwcrypto_jwk.JWK(**json.load(f))


def keygen(d, kid="dev-issuer-1"):
    os.makedirs(d, exist_ok=True)
    issuer = jwcrypto_jwk.JWK.from_pyca(
        ec.generate_private_key(ec.SECP256R1()))
    priv = issuer.export_private(as_dict=True)
    priv.update({"kid": kid, "use": "sig", "alg": "ES256"})
    pub = issuer.export_public(as_dict=True)
    pub.update({"kid": kid, "use": "sig", "alg": "ES256"})
    client = jwcrypto_jwk.JWK.from_pyca(
        ec.generate_private_key(ec.SECP256R1()))
    files = {"issuer.jwk": priv, "jwks.json": {"keys": [pub]},
             "client.jwk": client.export_private(as_dict=True)}
    for name, doc in files.items():
        with open(os.path.join(d, name), "w") as f:
            json.dump(doc, f)


def unsigned(header, claims):
    return (b64url(json.dumps(header).encode()) + "." +
            b64url(json.dumps(claims).encode()) + ".")


class Client:
    def __init__(self, d, issuer):
        self.issuer_jwk = load(os.path.join(d, "issuer.jwk"))
        self.client_jwk = load(os.path.join(d, "client.jwk"))
        self.issuer = issuer
        with open(os.path.join(d, "issuer.jwk")) as f:
            self.kid = json.load(f)["kid"]

    def token(self, tenant, opt):
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": opt.get("aud", "export-center"),
                  "sub": "dev-user", "iat": now - 5, "nbf": now - 5,
                  "exp": now + int(opt.get("exp", 600)),
                  "scope": opt.get("scope", "export:read export:write"),
                  "tenant": opt.get("tenant", tenant),
                  "cnf": {"jkt": self.client_jwk.thumbprint()}}
        if opt.get("alg") == "none":
            return unsigned({"alg": "none", "typ": "JWT", "kid": self.kid},
                            claims)
        key = self.issuer_jwk.get_op_key("sign")
        if opt.get("token_sig") == "bad":
            key = ec.generate_private_key(ec.SECP256R1())
        return jwt.encode(claims, key, algorithm="ES256",
                          headers={"kid": self.kid})

    def proof(self, token, method, url, opt):
        ath = b64url(hashlib.sha256(token.encode()).digest())
        if opt.get("ath") == "bad":
            ath = b64url(hashlib.sha256(b"another token").digest())
        claims = {"htm": opt.get("htm", method), "htu": opt.get("htu", url),
                  "iat": int(time.time()) + int(opt.get("iat", 0)),
                  "jti": opt.get("jti", str(uuid.uuid4())), "ath": ath}
        header = {"typ": "dpop+jwt",
                  "jwk": self.client_jwk.export_public(as_dict=True)}
        key = self.client_jwk.get_op_key("sign")
        if opt.get("proof_sig") == "bad":
            key = ec.generate_private_key(ec.SECP256R1())
        return jwt.encode(claims, key, algorithm="ES256", headers=header)


def main():
    cmd = sys.argv[1]
    if cmd == "keygen":
        keygen(*sys.argv[2:4])
        return
    d, issuer, method, url, tenant = sys.argv[2:7]
    c = Client(d, issuer)
    if cmd == "mint":
        opt = dict(a.split("=", 1) for a in sys.argv[7:])
        t = c.token(tenant, opt)
        print(t, c.proof(t, method, url, opt))
    elif cmd == "bulk":
        t = c.token(tenant, {})
        for _ in range(int(sys.argv[7])):
            print(t, c.proof(t, method, url, {}))
    else:
        raise SystemExit("dpop.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
