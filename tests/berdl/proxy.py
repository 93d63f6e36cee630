#!/usr/bin/env python3
"""A test-only gRPC pass-through in front of a Spark Connect server, behaving as BERDL's servers do
(as docs/berdl.md describes them). Written for this project's tests; it is not BERDL's code.

  proxy.py --backend HOST:PORT --auth-url URL --mode public|pod [--owner USER]
           [--prefixes u_alice__,kbase_] [--port 0] [--sessions FILE]

With --end-streams-empty it ends every ExecutePlan and ReattachExecute stream at once, with no
message and status OK: a broken proxy's fault (BERDL's never does this), for the kernel's bound on
reattaching. With --sessions, the session id of every request it forwards (its first field) is appended to
FILE when new, so that a test can close the session from outside as a server would.

Modes:
- public: the public proxy (sc://spark.berdl.kbase.us:443). Reads only `x-kbase-token`, validates it
  with Auth2 (cached 300 s), requires `mfa` to be exactly `Used`; a backend error is re-raised with
  its status code and message only (no ErrorInfo); a backend that does not accept a TCP connection
  within 5 s is FAILED_PRECONDITION. Its channel to the backend keeps gRPC's default 4 MiB limit
  on received messages, as BERDL's does. Trouble reaching Auth2 is its own UNAUTHENTICATED:
  `Auth service error: <reason>`, `Auth service timed out`, `Auth service returned status <n>`.
- pod: the interceptors inside a user's Spark Connect server. Reads `authorization: Bearer` first,
  then `x-kbase-token`; validates with Auth2 on every call, finding the user by the bytes
  `"user":"` as the real interceptor does; refuses other users than the owner; the namespace check
  reads the whole ExecutePlan request as text. Backend errors pass through whole (trailers too),
  and its own refusals echo the request's `authorization` and `x-kbase-token` in their trailers.

Every call is forwarded as opaque bytes with its metadata. The first line on stdout is
"listening on 127.0.0.1:PORT". Nothing it prints contains a token.
"""

import argparse
import re
import socket
import sys
import time
import urllib.error
import urllib.request
from concurrent import futures

import grpc

STREAMING = {"ExecutePlan", "ReattachExecute"}
NAMESPACE = re.compile(
    rb"CREATE\s+(?:DATABASE|SCHEMA|NAMESPACE)\s+(?:IF\s+NOT\s+EXISTS\s+)?([`\w.:()]+)", re.IGNORECASE)


class Refused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class Proxy(grpc.GenericRpcHandler):
    def __init__(self, args):
        self.args = args
        # BERDL's public proxy keeps gRPC's defaults (4 MiB received); the pod's interceptors
        # run inside Spark's server, which takes what Spark sends.
        options = [] if args.mode == "public" else [("grpc.max_receive_message_length", 256 << 20),
                                                    ("grpc.max_send_message_length", 256 << 20)]
        self.channel = grpc.insecure_channel(args.backend, options=options)
        self.cache = {}
        self.sessions = set()

    def auth2(self, token):
        """Auth2's answer for `token` as bytes, or None when it refuses the token."""
        request = urllib.request.Request(self.args.auth_url.rstrip("/") + "/api/V2/token",
                                         headers={"Authorization": token, "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            if error.code == 401:
                return None
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, f"Auth service returned status {error.code}")
        except TimeoutError:
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, "Auth service timed out")
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise Refused(grpc.StatusCode.UNAUTHENTICATED, "Auth service timed out")
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, f"Auth service error: {error.reason}")

    def check_public(self, metadata):
        token = metadata.get("x-kbase-token")
        if not token:
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, "Missing x-kbase-token in request metadata")
        cached = self.cache.get(token)
        if cached is None or cached[0] < time.time():
            body = self.auth2(token)
            cached = (time.time() + 300, body)
            self.cache[token] = cached
        body = cached[1]
        if body is None:
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, "Invalid or expired token")
        mfa = re.search(rb'"mfa"\s*:\s*"([^"]*)"', body)
        if not mfa or mfa.group(1) != b"Used":
            raise Refused(grpc.StatusCode.UNAUTHENTICATED,
                          "This service requires multi-factor authentication (MFA). "
                          "Please log in with MFA enabled to access this service.")
        host, port = self.args.backend.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
        except OSError:
            raise Refused(grpc.StatusCode.FAILED_PRECONDITION,
                          f"Spark Connect server at {self.args.backend} is not reachable. Please ensure you "
                          "have logged in to BERDL JupyterHub and your notebook's Spark Connect service is running.")

    def check_pod(self, metadata, method, request):
        bearer = metadata.get("authorization", "")
        token = bearer[len("Bearer "):] if bearer.startswith("Bearer ") else metadata.get("x-kbase-token")
        if not token:
            raise Refused(grpc.StatusCode.UNAUTHENTICATED,
                          "Missing authentication token. Provide a valid KBase token in the 'authorization' "
                          "header (Bearer format) or the 'x-kbase-token' header.")
        try:
            body = self.auth2(token) or b""
        except Refused:  # the interceptor: any answer but 200 is a failed authentication
            body = b""
        at = body.find(b'"user":"')
        if at < 0:
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, "Authentication failed. Please check your token.")
        user = body[at + 8:body.index(b'"', at + 8)].decode()
        if user != self.args.owner:
            raise Refused(grpc.StatusCode.PERMISSION_DENIED,
                          f"User '{user}' is not authorized to access this cluster. "
                          f"This cluster belongs to '{self.args.owner}'.")
        if method == "ExecutePlan":
            for match in NAMESPACE.finditer(request):
                name = match.group(1).decode(errors="replace")
                if name.lower() == "default" or any(name.startswith(p) for p in self.prefixes()):
                    continue
                raise Refused(grpc.StatusCode.PERMISSION_DENIED,
                              f"Database name '{name}' is not allowed. Unqualified Delta/Hive database names "
                              f"must start with one of the following prefixes: [{', '.join(self.prefixes())}]. "
                              "Catalog-qualified Iceberg namespaces must use one of the following catalogs: []. "
                              "Use create_namespace_if_not_exists() to create databases with the correct prefix.")

    def note_session(self, request):
        # Every request message of Spark Connect starts with `string session_id = 1` (a UUID).
        if self.args.sessions and request[:2] == b"\x0a\x24":
            session = request[2:38].decode()
            if session not in self.sessions:
                self.sessions.add(session)
                with open(self.args.sessions, "a") as out:
                    out.write(session + "\n")

    def prefixes(self):
        return [p for p in self.args.prefixes.split(",") if p]

    def service(self, details):
        method = details.method.rsplit("/", 1)[-1]
        path = details.method

        def check(request, context):
            metadata = dict(context.invocation_metadata())
            try:
                if self.args.mode == "public":
                    self.check_public(metadata)
                else:
                    self.check_pod(metadata, method, request)
            except Refused as refused:
                if self.args.mode == "pod":
                    # As BERDL's interceptors do: the refusal echoes the request's token headers
                    # in its trailers (a client must never show or log them).
                    context.set_trailing_metadata(
                        [(k, v) for k, v in metadata.items() if k in ("authorization", "x-kbase-token")])
                context.abort(refused.code, refused.message)
            self.note_session(request)
            return [(k, v) for k, v in context.invocation_metadata() if not k.startswith("grpc-")]

        def fail(error, context):
            if self.args.mode == "pod":
                context.set_trailing_metadata(error.trailing_metadata() or ())
            context.abort(error.code(), error.details() or "")

        def unary(request, context):
            metadata = check(request, context)
            try:
                return self.channel.unary_unary(path)(request, metadata=metadata)
            except grpc.RpcError as error:
                fail(error, context)

        def stream(request, context):
            metadata = check(request, context)
            if self.args.end_streams_empty:
                return
            try:
                for response in self.channel.unary_stream(path)(request, metadata=metadata):
                    yield response
            except grpc.RpcError as error:
                fail(error, context)

        if method in STREAMING:
            return grpc.unary_stream_rpc_method_handler(stream)
        return grpc.unary_unary_rpc_method_handler(unary)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", required=True)
    parser.add_argument("--auth-url", required=True)
    parser.add_argument("--mode", choices=["public", "pod"], required=True)
    parser.add_argument("--owner", default="")
    parser.add_argument("--prefixes", default="")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sessions")
    # A fault of a broken proxy, not of BERDL's: every result stream ends at once, empty and OK.
    parser.add_argument("--end-streams-empty", action="store_true")
    args = parser.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                         options=[("grpc.max_receive_message_length", 256 << 20),
                                  ("grpc.max_send_message_length", 256 << 20)])
    server.add_generic_rpc_handlers((Proxy(args),))
    port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    server.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    sys.exit(main())
