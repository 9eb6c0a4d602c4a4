"""moto in server mode on 127.0.0.1, and boto3 clients bound to it (fake credentials)."""

from __future__ import annotations

from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local.aws.moto_patches import (
    cognito_pre_token_generation,
    s3_object_events,
    serialize_moto_dynamodb,
)
from local.aws.moto_sqs import serialize_moto_sqs
from local.template.specs import REGION


def start_moto(port: int, host: str = "127.0.0.1") -> tuple[ThreadedMotoServer, str]:
    """Start moto on 127.0.0.1 (port 0 picks a free port); return the server and its URL."""
    serialize_moto_dynamodb()
    serialize_moto_sqs()
    s3_object_events()
    cognito_pre_token_generation()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
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
