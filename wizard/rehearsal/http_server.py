"""The HTTPS listener: parses requests, applies auth, latency and faults, dispatches, journals.

Plain ``http.server`` on a thread is enough: the wizard and tests make a handful of calls at
a time, and staying in the standard library keeps the rehearsal free of extra dependencies."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from wizard.rehearsal.faults import Fault
from wizard.rehearsal.http_types import ArmError, Request, Response
from wizard.rehearsal.journal import Journal
from wizard.rehearsal.request_gate import is_graph, new_id, refuse
from wizard.rehearsal.router import Router
from wizard.rehearsal.tls import TlsFiles
from wizard.rehearsal.world import World

MUTATING = {"PUT", "POST", "PATCH", "DELETE"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, world: World, router: Router, journal: Journal, backend: Any) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.world, self.router, self.journal, self.backend = world, router, journal, backend


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence stderr logging: the journal is the record."""

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return {"_unparsed": raw.decode("utf-8", "replace")[:2000]}

    def _handle(self) -> None:
        split = urlsplit(self.path)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        latency = float(getattr(self.server.backend, "latency_s", 0.0) or 0.0)
        if latency > 0:
            time.sleep(latency)
        method = self.command.upper()
        world = self.server.world
        ids = self._ids(path, headers)
        fired = world.faults.take(method, path, ("throttle", "status", "reset"))
        if any(f.kind == "reset" for f in fired):
            self._reset()
            self.server.journal.record(method, path, query, body, 0, None)
            return
        response = self._fault_response(fired) if fired else None
        if response is None:
            response = refuse(path, query, headers, self.server.backend.signing_key, world.scenario.tenant_id,
                              ids["request"])
        if response is None:
            response = self._dispatch(Request(method, path, query, body, {}, world, headers, ids["correlation"],
                                              ids["request"]))
        self.server.journal.record(method, path, query, body, response.status, response.body)
        self._send(method, response, ids, is_graph(path))

    @staticmethod
    def _ids(path: str, headers: dict[str, str]) -> dict[str, Any]:
        """ARM gives every response a request id and a correlation id: the caller's when it
        sent one (the RPC lets a caller name a set of related operations), else the request
        id itself, as ARM does. Graph names its request id ``request-id``."""
        request = new_id()
        return {"request": request, "correlation": headers.get("x-ms-correlation-request-id") or request,
                "client": headers.get("x-ms-client-request-id") or headers.get("client-request-id") or "",
                "return_client": headers.get("x-ms-return-client-request-id", "").lower() == "true"}

    def _dispatch(self, req: Request) -> Response:
        world = self.server.world
        method, path = req.method, req.path
        with world.model.lock:
            changed = world.model.advance()
            found = self.server.router.match(method, path)
            try:
                if found is None:
                    raise ArmError(404, "InvalidResourceType" if path.lower().startswith("/subscriptions")
                                   else "NotFound", f"The resource type could not be found for path '{path}'.")
                if found is False:
                    raise ArmError(405, "MethodNotAllowed", f"The method '{method}' is not allowed on '{path}'.")
                handler, params = found  # type: ignore[misc]
                req.params = params
                response = handler(req)
            except ArmError as exc:
                response = exc.response()
            except Exception as exc:  # noqa: BLE001 - a bug must still answer like ARM would
                response = ArmError(500, "InternalServerError", f"Rehearsal backend error: {exc!r}").response()
            if changed or method in MUTATING or world.model.advance():
                world.model.save()
        return response

    @staticmethod
    def _fault_response(fired: list[Fault]) -> Response | None:
        for fault in fired:
            if fault.kind == "throttle":
                return Response(429, {"error": {"code": fault.code or "TooManyRequests",
                                                "message": fault.message or "The request is being throttled."}},
                                {"Retry-After": f"{fault.retry_after:g}"})
            if fault.kind == "status":
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
                return Response(fault.status, {"error": {
                    "code": fault.code or ("ServiceUnavailable" if fault.status == 503 else "InternalServerError"),
                    "message": fault.message or "The server encountered an internal error. Please retry."}}, headers)
        return None

    def _reset(self) -> None:
        """Close the TCP connection without answering, like a dropped load balancer flow."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, method: str, response: Response, ids: dict[str, Any], graph: bool) -> None:
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if graph:
            headers.update({"request-id": ids["request"], "client-request-id": ids["client"] or ids["request"]})
        else:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            headers.update({"x-ms-request-id": ids["request"], "x-ms-correlation-request-id": ids["correlation"],
                            "x-ms-routing-request-id": f"REHEARSAL:{stamp}:{ids['request']}"})
            if ids["client"] and ids["return_client"]:
                headers["x-ms-client-request-id"] = ids["client"]
        headers.update(response.headers)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(0 if method == "HEAD" else len(payload)))
        self.end_headers()
        if method != "HEAD" and payload:
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = _handle


class HttpsServer:
    """Owns the listening socket and its thread."""

    def __init__(self, world: World, router: Router, journal: Journal, tls: TlsFiles, backend: Any) -> None:
        self._server = _Server(world, router, journal, backend)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls.server_cert), str(tls.server_key))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="rehearsal-https",
                                        kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
