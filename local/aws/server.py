"""moto in server mode on 127.0.0.1, and boto3 clients bound to it (fake credentials)."""

from __future__ import annotations

from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer

from local.aws.moto_patches import (
    cognito_pre_token_generation,
    s3_object_events,
    serialize_moto_dynamodb,
)
from local.aws.moto_sqs import serialize_moto_sqs
from local.keepalive import KeepAliveHandler, serve_keep_alive, stop_keep_alive
from local.template.specs import REGION


class _MotoKeepAliveHandler(KeepAliveHandler, MotoRequestHandler):
    """moto's request handler (headers with underscores kept), its connections kept alive."""


class RememberingDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves a host: for each request moto lists its
    own package's directories (~180 `isdir` calls) and tries the backends' URL patterns, ~10 % of
    the moto server's CPU on the BPJS consumer's drain (docs/benchmarks.md). The answer for a host
    never changes while the server runs."""

    def __init__(self, create_app: Any) -> None:
        super().__init__(create_app)
        self._backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host not in self._backends:  # moto calls this under its dispatcher's lock
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]


class KeepAliveMotoServer(ThreadedMotoServer):
    """moto's ThreadedMotoServer, each client connection kept for its next request instead of a
    new connection (and a new server thread) per AWS call (local.keepalive)."""

    def _server_entry(self) -> None:
        app = RememberingDispatcher(create_backend_app)
        self._server = serve_keep_alive(self._ip_address, self._port, app, _MotoKeepAliveHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    def stop(self) -> None:
        self._server_ready_event.clear()
        if self._server:
            stop_keep_alive(self._server)
        if self._thread:
            self._thread.join()


def start_moto(port: int, host: str = "127.0.0.1") -> tuple[ThreadedMotoServer, str]:
    """Start moto on 127.0.0.1 (port 0 picks a free port); return the server and its URL."""
    serialize_moto_dynamodb()
    serialize_moto_sqs()
    s3_object_events()
    cognito_pre_token_generation()
    server = KeepAliveMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    real_host, real_port = server.get_host_and_port()
    return server, f"http://{real_host}:{real_port}"


class Clients:
    """boto3 clients bound to moto (explicit endpoint and fake credentials, whatever the env)."""

    def __init__(self, endpoint_url: str, region: str = REGION) -> None:
        # Any: boto3-stubs' overloads want a literal service name.
        self._session: Any = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name=region,  # nosec B106 # - moto's fake credentials, local only
        )
        self._endpoint_url = endpoint_url
        self._cache: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = self._session.client(service, endpoint_url=self._endpoint_url)
        return self._cache[service]
