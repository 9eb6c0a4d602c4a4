"""Builds the services from settings, once per execution environment (never at import)."""

from __future__ import annotations

from functools import cache

from sutasoma.documents import DocumentBucket
from sutasoma.farmers import FarmerService
from sutasoma.idempotency import IdempotentRunner
from sutasoma.queue import OutboundQueue
from sutasoma.secrets import nik_hash_key
from sutasoma.settings import get_settings
from sutasoma.store import DomainStore


@cache
def idempotency_runner() -> IdempotentRunner:
    settings = get_settings()
    return IdempotentRunner(settings.idempotency_table_name, settings.idempotency_expires_seconds)


@cache
def farmer_service() -> FarmerService:
    settings = get_settings()
    return FarmerService(
        settings=settings,
        store=DomainStore(settings.table_name),
        queue=OutboundQueue(settings.bpjs_queue_url),
        idempotency=idempotency_runner(),
        documents=DocumentBucket(settings.ktp_bucket),
        nik_key=nik_hash_key(settings),
    )


def reset() -> None:
    """Forget built services and settings (tests change the environment between cases)."""
    from sutasoma import aws
    from sutasoma.settings import get_settings as settings_cache

    farmer_service.cache_clear()
    idempotency_runner.cache_clear()
    settings_cache.cache_clear()
    aws.reset_clients()
