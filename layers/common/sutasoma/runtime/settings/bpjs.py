"""The settings of the functions that talk with BPJS: the queue consumer, the callback, the outbox sweeper, the redrive."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from sutasoma.runtime.settings import Settings


class BpjsSyncSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "bpjs_queue_url": "BPJS_QUEUE_URL",
        "bpjs_base_url": "BPJS_BASE_URL",
        "bpjs_credentials_secret_arn": "BPJS_CREDENTIALS_SECRET_ARN",  # nosec B105 # - the name of an environment variable holding an ARN
        "bpjs_rate_limit": "BPJS_RATE_LIMIT",
        "bpjs_max_concurrency": "BPJS_MAX_CONCURRENCY",
        "bpjs_parallel_messages": "BPJS_PARALLEL_MESSAGES",
    }
    bpjs_queue_url: str = Field(min_length=1)
    bpjs_base_url: str = Field(min_length=1)
    bpjs_credentials_secret_arn: str = Field(min_length=1)
    # BPJS's limit, calls per second across all consumers, and how many consumers share it (the
    # event source's MaximumConcurrency): sutasoma.adapters.pacer. At least 2 x consumers + 1.
    bpjs_rate_limit: float = Field(default=20, gt=0, le=10_000)
    bpjs_max_concurrency: int = Field(default=2, ge=1, le=1000)
    # Messages of different farmers in flight at once within one batch (threads).
    bpjs_parallel_messages: int = Field(default=10, ge=1, le=10)

    @model_validator(mode="after")
    def _limit_can_be_shared(self) -> BpjsSyncSettings:
        if self.bpjs_rate_limit < 2 * self.bpjs_max_concurrency + 1:
            raise ValueError("BPJS_RATE_LIMIT below 2 x BPJS_MAX_CONCURRENCY + 1")
        return self


class CallbackSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "bpjs_queue_url": "BPJS_QUEUE_URL",
        "bpjs_callback_secret_arn": "BPJS_CALLBACK_SECRET_ARN",  # nosec B105 # - the name of an environment variable holding an ARN
        "bpjs_callback_window_seconds": "BPJS_CALLBACK_WINDOW_SECONDS",
    }
    bpjs_queue_url: str = Field(min_length=1)
    bpjs_callback_secret_arn: str = Field(min_length=1)
    # Seconds a callback's timestamp may differ from our clock (CONTRACT: 300).
    bpjs_callback_window_seconds: int = Field(default=300, ge=30, le=3600)


class SweeperSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "bpjs_queue_url": "BPJS_QUEUE_URL",
        "outbox_grace_seconds": "OUTBOX_GRACE_SECONDS",
    }
    bpjs_queue_url: str = Field(min_length=1)
    # Outbox entries younger than this are left to the request that wrote them.
    outbox_grace_seconds: int = Field(default=60, ge=0)


class RedriveSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {"bpjs_queue_url": "BPJS_QUEUE_URL", "bpjs_dlq_url": "BPJS_DLQ_URL"}
    bpjs_queue_url: str = Field(min_length=1)
    bpjs_dlq_url: str = Field(min_length=1)
