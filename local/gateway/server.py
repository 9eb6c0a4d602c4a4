"""The gateway on 127.0.0.1: a threaded werkzeug server on a background thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer

from local.gateway.app import Gateway
from local.keepalive import KeepAliveHandler, serve_keep_alive, stop_keep_alive


class _QuietHandler(KeepAliveHandler):
    """werkzeug's request line includes the query string, which may carry personal data:
    the gateway writes its own access log instead."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@dataclass
class GatewayServer:
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def stop(self) -> None:
        stop_keep_alive(self.server)
        self.thread.join(timeout=10)


def serve(app: Gateway, port: int, host: str = "127.0.0.1") -> GatewayServer:
    """Serve the gateway on a background thread (a thread per connection, kept alive: local.keepalive)."""
    server = serve_keep_alive(host, port, app, _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="local-gateway", daemon=True)
    thread.start()
    return GatewayServer(server, thread)
