#!/usr/bin/python3
"""A loopback HTTP proxy in front of a real registry that fails on purpose.

    flaky_proxy.py LISTEN_PORT UPSTREAM_PORT METHOD PATH_REGEX COUNT STATUS
                   [RETRY_AFTER]

The first COUNT requests whose method is METHOD and whose path matches
PATH_REGEX are answered with STATUS and an OCI error body (distribution
spec "Error Codes") naming this proxy; every other request goes to the
registry on 127.0.0.1:UPSTREAM_PORT unchanged.  Each failure is logged on
stderr as "failed METHOD PATH".  Used by tests/integration/64-push.sh.
"""
import http.client
import http.server
import json
import re
import sys
import threading

HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection",
       "te", "trailer", "upgrade"}


def main():
    listen, upstream = int(sys.argv[1]), int(sys.argv[2])
    method, pattern = sys.argv[3], re.compile(sys.argv[4])
    state = {"left": int(sys.argv[5])}
    status = int(sys.argv[6])
    retry_after = sys.argv[7] if len(sys.argv) > 7 else None
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n > 0 else b""

        def fail(self):
            with lock:
                if self.command != method or not pattern.search(self.path) \
                        or state["left"] <= 0:
                    return False
                state["left"] -= 1
            self.body()
            msg = json.dumps({"errors": [{
                "code": "UNKNOWN",
                "message": "flaky proxy: injected %d" % status,
                "detail": None}]}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(msg)))
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(msg)
            sys.stderr.write("failed %s %s\n" % (self.command, self.path))
            sys.stderr.flush()
            return True

        def forward(self):
            if self.fail():
                return
            data = self.body()
            conn = http.client.HTTPConnection("127.0.0.1", upstream,
                                              timeout=60)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in HOP}
            conn.request(self.command, self.path, body=data, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            if self.command == "HEAD":
                self.send_header("Content-Length",
                                 resp.getheader("Content-Length", "0"))
            else:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            conn.close()

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", listen), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()
