"""Idempotent operations keyed by the client's `Idempotency-Key` (Powertools Idempotency).

The same key with the same body returns the stored result; with another body it is refused.
Built lazily (not at import) so handlers import fast and tests can point it at moto.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.adapters import aws
from sutasoma.domain.errors import FieldError, IdempotencyKeyInvalid, IdempotencyKeyReused, RequestInProgress

IN_PROGRESS_WAIT_SECONDS = 8.0
# CONTRACT sets no format: any key a client may send in a header (printable ASCII, 1-255
# characters: "k1", "pay-1", a UUID); it is hashed with the caller before it is stored.
_KEY_PATTERN = re.compile(r"^[\x20-\x7e]{1,255}$")


def check_key(value: str) -> str:
    if not _KEY_PATTERN.match(value) or not value.strip():
        raise IdempotencyKeyInvalid(
            "Header Idempotency-Key harus 1-255 karakter ASCII yang terlihat, misalnya sebuah UUID.",
            [FieldError("Idempotency-Key", "Format tidak valid.")],
        )
    return value


class IdempotentRunner:
    """Runs an operation at most once per (scope, caller, key); replays its stored result."""

    def __init__(self, table_name: str, expires_after_seconds: int, client: Any | None = None) -> None:
        self._table_name = table_name
        self._client = client
        self._config = IdempotencyConfig(
            event_key_jmespath="[caller, key]",
            payload_validation_jmespath="body",
            expires_after_seconds=expires_after_seconds,
            raise_on_no_idempotency_key=True,
        )
        self._runners: dict[str, Callable[..., dict[str, Any]]] = {}

    def register_lambda_context(self, context: LambdaContext) -> None:
        # Lets an in-progress record expire with the invocation, so a crash is retried.
        self._config.register_lambda_context(context)

    def _runner(self, scope: str) -> Callable[..., dict[str, Any]]:
        if scope not in self._runners:
            persistence = DynamoDBPersistenceLayer(
                table_name=self._table_name, boto3_client=self._client or aws.client("dynamodb")
            )

            def run(request: dict[str, Any], operation: Callable[[], dict[str, Any]]) -> dict[str, Any]:
                return operation()

            self._runners[scope] = idempotent_function(
                run,
                data_keyword_argument="request",
                persistence_store=persistence,
                config=self._config,
                key_prefix=scope,
            )
        return self._runners[scope]

    def run(
        self,
        scope: str,
        key: str,
        caller: str,
        body: dict[str, Any],
        operation: Callable[[], dict[str, Any]],
    ) -> dict[str, Any]:
        request = {"caller": caller, "key": check_key(key), "body": body}
        waited = 0.0
        while True:
            try:
                return self._attempt(scope, request, operation)
            except RequestInProgress:
                # The same request is being processed right now (a retry racing the original):
                # wait for it and answer with its result rather than a conflict.
                if waited >= IN_PROGRESS_WAIT_SECONDS:
                    raise
                pause = 0.1 if waited < 1 else 0.25
                time.sleep(pause)
                waited += pause

    def _attempt(
        self, scope: str, request: dict[str, Any], operation: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        try:
            return self._runner(scope)(request=request, operation=operation)
        except IdempotencyValidationError:
            raise IdempotencyKeyReused(
                "Idempotency-Key ini sudah dipakai untuk permintaan dengan isi yang berbeda.",
                [FieldError("Idempotency-Key", "Gunakan kunci baru untuk permintaan baru.")],
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress(
                "Permintaan dengan Idempotency-Key ini sedang diproses; coba lagi sebentar lagi."
            ) from None
