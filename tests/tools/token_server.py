#!/usr/bin/python3
"""A token server for the distribution registry's token authentication.

    token_server.py PORT ISSUER KEY.pem CERT.pem USER:PASSWORD

GET /token?service=S&scope=repository:NAME:ACTIONS (distribution spec
"Token Authentication Specification") with Basic credentials USER:PASSWORD
answers {"token": JWT, "access_token": JWT, "expires_in": 300}: an ES256
JWT signed with KEY.pem, CERT.pem in its x5c header (the registry's
rootcertbundle is CERT.pem), audience S, granting the requested actions.
Wrong credentials get 401 with an OCI error body.  Each issued token is
logged on stderr as "token SCOPES".  Used by tests/integration/64-push.sh.
"""
import base64
import http.server
import json
import os
import sys
import time
import urllib.parse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


def main():
    port, issuer = int(sys.argv[1]), sys.argv[2]
    key = open(sys.argv[3], "rb").read()
    cert = x509.load_pem_x509_certificate(open(sys.argv[4], "rb").read())
    x5c = [base64.b64encode(cert.public_bytes(Encoding.DER)).decode()]
    want = "Basic " + base64.b64encode(sys.argv[5].encode()).decode()
    user = sys.argv[5].split(":", 1)[0]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def answer(self, status, doc):
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(url.query)
            if self.headers.get("Authorization") != want:
                self.answer(401, {"errors": [{
                    "code": "UNAUTHORIZED",
                    "message": "token server: bad credentials"}]})
                return
            access = []
            for scope in " ".join(q.get("scope", [])).split():
                kind, name, actions = scope.split(":")
                access.append({"type": kind, "name": name,
                               "actions": actions.split(",")})
            now = int(time.time())
            claims = {"iss": issuer, "sub": user,
                      "aud": q.get("service", [""])[0], "iat": now,
                      "nbf": now - 10, "exp": now + 300,
                      "jti": os.urandom(8).hex(), "access": access}
            tok = jwt.encode(claims, key, algorithm="ES256",
                             headers={"x5c": x5c})
            sys.stderr.write("token %s\n" % " ".join(q.get("scope", [])))
            sys.stderr.flush()
            self.answer(200, {"token": tok, "access_token": tok,
                              "expires_in": 300})

    http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                    Handler).serve_forever()


if __name__ == "__main__":
    main()
