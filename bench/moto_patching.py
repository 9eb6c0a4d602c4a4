"""Swapping names inside moto for a block (bench/moto_fast.py, bench/moto_updates.py)."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def replaced(*swaps: tuple[Any, str, Any]) -> Iterator[None]:
    """Each (owner, name, value): `owner.name` is `value` inside the block, what it was after."""
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in swaps]
    for owner, name, value in swaps:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def moto_module(module: str) -> Any:
    """One of moto's modules, whose names are patched here (untyped: moto does not export them)."""
    return importlib.import_module(module)
