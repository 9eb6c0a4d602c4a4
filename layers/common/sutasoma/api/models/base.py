"""The base of every request and answer model of the HTTP edge."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    """A model whose validator is built when it is first used, not when its module is imported: a
    function's cold start pays only for the shapes its first request meets (the models of the
    other routes, and of other functions sharing a module, wait until asked for)."""

    model_config = ConfigDict(defer_build=True)
