#!/usr/bin/env python3
"""A stand-in for KBase Auth2, for tests and the local demo (the real service is not reachable here).

It answers GET /, /api/V2/token and /api/V2/me with the real service's shapes, status codes and
error bodies (as KBase documents them): 400/10010 without a token, 401/10020 for an
unknown *or expired* token (as the real service, which cannot tell them apart), 403/20010 for a
disabled account. The bare token is read from Authorization, so "Bearer X" is an invalid token.

  kbase_auth_standin.py --config users.json [--port 0] [--slow SECONDS] [--garbage]

The config: {"tokens": {TOKEN: {"user": U, "type": "Login", "expires_in": SECONDS (negative:
expired), "mfa": "Used", "name": null, "cachefor": MS}}, "users": {U: {"display": D, "email": E,
"customroles": [...], "disabled": false, "orcid": "0000-..."}}}. The config file is re-read on
every request, so a test can add tokens while the stand-in runs. The first line on stdout is
"listening on http://127.0.0.1:PORT/". Nothing it logs contains a token.
"""

import argparse
import json
import random
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTED_MS = int(time.time() * 1000)


def now_ms():
    return int(time.time() * 1000)


def error_body(httpcode, httpstatus, appcode, apperror, message):
    return {"error": {
        "httpcode": httpcode, "httpstatus": httpstatus, "appcode": appcode, "apperror": apperror,
        "message": message, "callid": str(random.randrange(10**15, 10**16)), "time": now_ms(),
    }}


class Handler(BaseHTTPRequestHandler):
    server_version = "KBaseAuth2StandIn/1.0"

    def log_message(self, fmt, *args):  # the default logs the request line only: no headers
        sys.stderr.write("standin: %s\n" % (fmt % args))

    def send_json(self, status, body):
        if self.server.garbage:
            payload, ctype = b"<html><body>502 Bad Gateway</body></html>", "text/html"
            status = 200 if status == 200 else 502
        elif status != 200 and "json" not in (self.headers.get("Accept") or ""):
            # The real service answers some errors as HTML when JSON was not asked for.
            payload, ctype = b"<html><body>Unauthorized</body></html>", "text/html"
        else:
            # Compact, as the real service (Jackson) writes it: BERDL's interceptor looks for
            # the exact bytes "user":" in the answer.
            payload, ctype = json.dumps(body, separators=(",", ":")).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.server.slow:
            time.sleep(self.server.slow)
        config = self.server.load()
        path = self.path.split("?")[0].rstrip("/")
        if path in ("", "/services/auth"):
            return self.send_json(200, {
                "servicename": "Authentication Service", "version": "0.7.2-standin",
                "servertime": now_ms(), "gitcommithash": "standin",
            })
        if path not in ("/api/V2/token", "/api/V2/me"):
            return self.send_json(404, error_body(404, "Not Found", None, None, "HTTP 404 Not Found"))
        token = (self.headers.get("Authorization") or "").strip()
        if not token:
            return self.send_json(400, error_body(
                400, "Bad Request", 10010, "No authentication token",
                "10010 No authentication token: No user token provided"))
        entry = config.get("tokens", {}).get(token)
        expires = None
        if entry is not None:
            expires = entry.get("expires_ms") or (STARTED_MS + int(entry.get("expires_in", 14 * 86400) * 1000))
        if entry is None or expires <= now_ms():
            return self.send_json(401, error_body(401, "Unauthorized", 10020, "Invalid token", "10020 Invalid token"))
        user = entry["user"]
        profile = config.get("users", {}).get(user, {})
        if profile.get("disabled"):
            return self.send_json(403, error_body(
                403, "Forbidden", 20010, "Account disabled", "20010 Account disabled: " + user))
        if path == "/api/V2/token":
            body = {
                "type": entry.get("type", "Login"), "id": entry.get("id", "0c6f7c7e-standin-" + user),
                "created": entry.get("created_ms", STARTED_MS - 3600 * 1000), "expires": expires,
                "name": entry.get("name"), "user": user, "custom": entry.get("custom", {}),
                "cachefor": entry.get("cachefor", 300000),
            }
            if "mfa" in entry:
                body["mfa"] = entry["mfa"]
            return self.send_json(200, body)
        idents = [{"provider": "Globus", "provusername": user + "@globusid.org", "id": "g-" + user}]
        if profile.get("orcid"):
            idents.append({"provider": "OrcID", "provusername": profile["orcid"], "id": "o-" + user})
        return self.send_json(200, {
            "user": user, "anonid": "anon-" + user, "local": False,
            "display": profile.get("display", user), "email": profile.get("email", user + "@example.org"),
            "created": STARTED_MS - 400 * 86400 * 1000, "lastlogin": STARTED_MS,
            "customroles": profile.get("customroles", []),
            "roles": [{"id": r, "desc": r} for r in profile.get("roles", [])],
            "idents": idents, "policyids": [],
        })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--slow", type=float, default=0.0, help="answer after this many seconds")
    parser.add_argument("--garbage", action="store_true", help="answer HTML garbage")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.slow, server.garbage = args.slow, args.garbage

    def load():
        with open(args.config) as f:
            return json.load(f)

    server.load = load
    print(f"listening on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
