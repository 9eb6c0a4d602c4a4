"""Typed configuration per function, read once from the environment and validated when the
function starts: a missing resource name fails the cold start with a clear message, not the
first request that needs it. Logic never reads os.environ.

The base classes and the reading live here; each function's own class is in the module of its
family (http, reports, bpjs, imports, platform), so a function's cold start defines the few
settings classes it can use, not all nineteen."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Settings(BaseModel):
    """What every function has: the stage and the domain table."""

    # defer_build: a function validates its own settings class only, so only that one is built
    # (at its cold start); the other functions' classes cost nothing at import.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)
    ENV: ClassVar[dict[str, str]] = {"stage": "STAGE", "table_name": "TABLE_NAME"}

    stage: str = "dev"
    table_name: str = Field(min_length=1)

    @classmethod
    def env_names(cls) -> dict[str, str]:
        names: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            names.update(getattr(klass, "ENV", {}))
        return names


class ApiSettings(Settings):
    """Functions that take requests from people: idempotent writes."""

    ENV: ClassVar[dict[str, str]] = {
        "idempotency_table_name": "IDEMPOTENCY_TABLE_NAME",
        "idempotency_expires_seconds": "IDEMPOTENCY_EXPIRES_SECONDS",
        "upload_url_expires_seconds": "UPLOAD_URL_EXPIRES_SECONDS",
        "download_url_expires_seconds": "DOWNLOAD_URL_EXPIRES_SECONDS",
        "bpjs_queue_url": "BPJS_QUEUE_URL",
    }
    idempotency_table_name: str = Field(min_length=1)
    idempotency_expires_seconds: int = Field(default=86_400, ge=60)
    upload_url_expires_seconds: int = Field(default=900, ge=60, le=3600)
    # A link to a KTP copy or a claim document: short, each one audited when issued.
    download_url_expires_seconds: int = Field(default=300, ge=30, le=3600)
    bpjs_queue_url: str = Field(min_length=1)


class MissingConfiguration(RuntimeError):
    """The function's environment lacks what it needs: it must not start."""


S = TypeVar("S", bound=Settings)


def settings_from_env[S: Settings](model: type[S], environ: Mapping[str, str] | None = None) -> S:
    env = os.environ if environ is None else environ
    names = model.env_names()
    values: dict[str, Any] = {field: env[name] for field, name in names.items() if env.get(name)}
    try:
        return model.model_validate(values)
    except ValidationError as invalid:
        wrong = sorted(
            {
                names.get(str(e["loc"][0]), str(e["loc"][0])) if e["loc"] else e["msg"]
                for e in invalid.errors()
            }
        )
        raise MissingConfiguration(
            f"{model.__name__}: environment variables missing or invalid: {', '.join(wrong)}"
        ) from None


class SettingsSource[S: Settings]:
    """A function's settings: validated at import (cold start), re-read after reset()."""

    _all: ClassVar[list[SettingsSource[Any]]] = []

    def __init__(self, model: type[S]) -> None:
        self.model = model
        self._value: S | None = None
        SettingsSource._all.append(self)
        self.get()

    def get(self) -> S:
        if self._value is None:
            self._value = settings_from_env(self.model)
        return self._value

    @classmethod
    def reset_all(cls) -> None:
        for source in cls._all:
            source._value = None
