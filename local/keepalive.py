"""HTTP/1.1 keep-alive for werkzeug's development server (moto, the gateway, the BPJS simulator).

werkzeug's WSGIRequestHandler closes every connection after one response ("Connection: close"),
because http.server cannot tell where a request's body ends, and after each response it reads
whatever the client sent on (which, on a kept connection, would be the next request). So every
boto3 or httpx call to the local stack opened a TCP connection and the server started a thread
for it: on the BPJS consumer's drain that was ~1.5 connections per message on each side
(docs/benchmarks.md). Here a request that states its body's length (or has none) keeps its
connection: the application reads the body through a stream limited to that length, what it left
unread is read and dropped after the response, and werkzeug's after-response read finds nothing.
A chunked request body, or a client that asks for it, still closes the connection.

A server made here also closes its kept connections when it stops: a client must not reach a
stopped server through a connection it had kept (tests stop BPJS to see it unreachable).
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from typing import IO, Any, cast

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wsgi import LimitedStream

# An idle kept connection is closed after this long (its thread waits on it until then).
IDLE_TIMEOUT_S = 30


class _NothingMore(io.BufferedIOBase):
    """What werkzeug's after-response read reads on a kept connection: nothing."""

    def read(self, size: int | None = -1) -> bytes:
        return b""


class _Connections:
    """The connections a server keeps open, to close them when it stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self.stopped = False

    def add(self, connection: socket.socket) -> None:
        with self._lock:
            if not self.stopped:
                self._open.add(connection)
                return
        _close(connection)  # accepted just as the server stopped: it serves nothing more

    def discard(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.discard(connection)

    def close_all(self) -> None:
        with self._lock:
            self.stopped = True
            connections, self._open = list(self._open), set()
        for connection in connections:
            _close(connection)


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the client
        connection.shutdown(socket.SHUT_RDWR)


def _connections(server: Any) -> _Connections | None:
    found = getattr(server, "keep_alive_connections", None)
    return found if isinstance(found, _Connections) else None


class KeepAliveHandler(WSGIRequestHandler):
    """A WSGIRequestHandler whose connections live on from one request to the next."""

    timeout = IDLE_TIMEOUT_S
    _kept_rfile: Any = None  # the connection's reader while a request's body is being served
    _body: LimitedStream | None = None

    def setup(self) -> None:
        super().setup()
        # A response leaves in several writes (status and headers, then the body): without this,
        # Nagle's algorithm holds the body until the client's delayed ACK of the headers, ~40 ms,
        # which a connection closed after each response never waited for.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if (connections := _connections(self.server)) is not None:
            connections.add(self.connection)

    def finish(self) -> None:
        if (connections := _connections(self.server)) is not None:
            connections.discard(self.connection)
        super().finish()

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            return  # an idle kept connection closing: the normal end of one
        super().log_error(format, *args)

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        length = environ.get("CONTENT_LENGTH") or "0"
        if not environ.get("wsgi.input_terminated") and length.isdigit():
            self._body = LimitedStream(cast("IO[bytes]", self.rfile), int(length))
            environ["wsgi.input"] = self._body
            self._kept_rfile, self.rfile = self.rfile, _NothingMore()
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        keeps = self._kept_rfile is not None and not self.close_connection
        if keeps and keyword.lower() == "connection" and value.lower() == "close":
            return  # werkzeug's: this connection stays open
        super().send_header(keyword, value)

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            self._after_request()

    def _after_request(self) -> None:
        if self._kept_rfile is None:
            return
        self.rfile, self._kept_rfile = self._kept_rfile, None
        body, self._body = self._body, None
        try:
            if body is not None:
                body.exhaust()  # what the application left unread of this request's body
        except Exception:
            self.close_connection = True  # the client went away mid-body


def serve_keep_alive(
    host: str, port: int, app: Any, handler: type[KeepAliveHandler] = KeepAliveHandler
) -> BaseWSGIServer:
    """A threaded werkzeug server (a thread per connection) whose connections are kept alive."""
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    server.keep_alive_connections = _Connections()  # type: ignore[attr-defined]
    return server


def stop_keep_alive(server: BaseWSGIServer) -> None:
    """Stop accepting, close every kept connection, close the listening socket."""
    server.shutdown()
    if (connections := _connections(server)) is not None:
        connections.close_all()
    server.server_close()
