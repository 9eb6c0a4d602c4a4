"""Powertools packages whose `__init__` imports far more than a function uses, made lazy.

Two of Powertools' packages import everything they hold when anything in them is imported:
`aws_lambda_powertools.event_handler` (every resolver: AppSync, Bedrock agents, VPC Lattice, ALB...
and asyncio) and `aws_lambda_powertools.utilities.data_classes` (the data classes of some forty
event sources). An HTTP function uses one resolver and two data classes: ~35 ms of every cold
start go to the others. Registered here as lazy modules before anything imports them, their
submodules import as always, and a name asked of the package itself is imported from the
submodule its `__init__` takes it from (read from that `__init__`'s own source, so a new
Powertools version is followed); any other name runs the real `__init__` into the module, once,
so nothing the package exports is ever missing.

`install()` must run before the first import of either package: sutasoma.api.http runs it, and the
handlers take Powertools' HTTP names from there (tests/unit/test_cold_imports.py checks the effect).
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import sys
import types
from typing import Any

PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")


def _names(name: str, source: str) -> tuple[dict[str, str], list[str] | None]:
    """From the package's `__init__` source, in one pass: name -> submodule for every
    `from .sub import name` / `from <package>.sub import name`, and `__all__` when it is a literal."""
    found: dict[str, str] = {}
    exported: list[str] | None = None
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            value = ast.literal_eval(node.value)
            exported = list(value) if isinstance(value, list | tuple) else None
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        if node.level == 1:
            submodule = f"{name}.{node.module}"
        elif node.level == 0 and node.module.startswith(f"{name}."):
            submodule = node.module
        else:
            continue
        for alias in node.names:
            found[alias.asname or alias.name] = submodule
    return found, exported


def lazy_package(name: str) -> bool:
    """Register `name` as a lazy package; False if it is imported already (nothing to save)."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    loader: Any = spec.loader if spec is not None else None
    if spec is None or spec.submodule_search_locations is None or loader is None:
        return False
    package = types.ModuleType(name)
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    package.__file__ = spec.origin
    package.__package__ = name
    package.__loader__ = loader

    @functools.cache
    def source() -> str:
        return str(loader.get_source(name) or "")

    @functools.cache
    def names() -> tuple[dict[str, str], list[str] | None]:
        return _names(name, source())

    def __getattr__(attribute: str) -> Any:
        # The __init__ is parsed only for a name it mentions: Powertools' own `from <package> import
        # <submodule>` (asked of the package by the import system) costs no parse at a cold start.
        where, exported = names() if attribute in source() else ({}, None)
        if attribute == "__all__" and exported is not None:
            # `from <package> import *` names what the real package names.
            package.__dict__["__all__"] = exported
            return exported
        if attribute in where:
            # Bound on the package as its __init__ binds it (a name may also be a submodule's:
            # `event_source`, the function, not the module).
            value = getattr(importlib.import_module(where[attribute]), attribute)
            package.__dict__[attribute] = value
            return value
        missing = AttributeError(f"module {name!r} has no attribute {attribute!r}")
        # A submodule (`from <package> import submodule`): the import system loads it.
        if attribute.startswith("__") or importlib.util.find_spec(f"{name}.{attribute}") is not None:
            raise missing
        if "_sutasoma_complete" not in package.__dict__:  # anything else: the real __init__, once
            package.__dict__["_sutasoma_complete"] = True
            exec(loader.get_code(name), package.__dict__)  # noqa: S102 # nosec B102 # - Powertools' own package __init__, once
            if attribute in package.__dict__:
                return package.__dict__[attribute]
        raise missing

    package.__dict__["__getattr__"] = __getattr__
    sys.modules[name] = package
    return True


def install() -> None:
    for name in PACKAGES:
        lazy_package(name)
