"""The one loader of handler modules: a function's `app.py`, imported by path.

Every function's handler file is `functions/<name>/app.py`, so the files cannot be imported by
their module name: each is loaded from its path under a module name of its own (one per
function, and per instance where several copies of a function run side by side, as Lambda's
execution environments do), with that function's environment variables applied while its
module-level code runs (settings read at import see them, as at a cold start).

As in Lambda: the function's own directory is importable during the import (`/var/task`: an
`app.py` may import its sibling modules), and its layers' directories are on `sys.path` for good
(`/opt/python`).

Used by the local stack (`local.functions.LocalFunction`, hence the gateway, the pollers, the
scheduler and `python -m local.invoke`), the tests (`tests/support/stack.py`),
`scripts/openapi.py` and `bench/queue_throughput.py`. Importing this module imports neither
boto3 nor moto.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from local.template.specs import FunctionSpec

MODULE_PREFIX = "sutasoma_fn"


@contextmanager
def applied_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block, then put the old values back."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def module_name(function: str, *, prefix: str = MODULE_PREFIX, instance: int = 0) -> str:
    """`sutasoma_fn_RegisterFunction`, `sutasoma_fn_BpjsSyncFunction_2`: unique per function
    (logical id, or directory name) and instance, so the `app.py` files never meet in sys.modules."""
    return f"{prefix}_{function}" + (f"_{instance}" if instance else "")


def load_handler_module(
    module_file: Path,
    name: str,
    *,
    environment: Mapping[str, str] | None = None,
    code_dir: Path | None = None,
    layer_dirs: Iterable[Path] = (),
    reuse: bool = False,
) -> ModuleType:
    """Import `module_file` as module `name`, with `environment` applied during the import.

    `code_dir` (default: the file's directory) is on sys.path during the import only; each of
    `layer_dirs` is appended to sys.path if missing. With `reuse`, a module already imported
    under `name` is returned as it is (one warm module per name); otherwise the file is
    executed again (a cold start). An exception from the module's code propagates, and nothing
    is left under `name` in sys.modules.
    """
    if reuse and name in sys.modules:
        return sys.modules[name]
    if not module_file.is_file():
        raise FileNotFoundError(f"{module_file} does not exist")
    for layer in layer_dirs:
        if str(layer) not in sys.path:
            sys.path.append(str(layer))
    import_spec = importlib.util.spec_from_file_location(name, module_file)
    if import_spec is None or import_spec.loader is None:
        raise ImportError(f"cannot import {module_file}")
    module = importlib.util.module_from_spec(import_spec)
    own_dir = str(code_dir or module_file.parent)
    sys.path.insert(0, own_dir)
    sys.modules[name] = module
    try:
        with applied_environment(environment or {}):
            import_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        sys.path.remove(own_dir)
    return module


def load_function(
    spec: FunctionSpec,
    *,
    prefix: str = MODULE_PREFIX,
    instance: int = 0,
    environment: Mapping[str, str] | None = None,
    reuse: bool = False,
) -> ModuleType:
    """A function of the template (its resolved spec): its handler module, loaded with its own
    environment variables (`environment` replaces them) and its layers."""
    return load_handler_module(
        spec.module_file,
        module_name(spec.logical_id, prefix=prefix, instance=instance),
        environment=spec.environment if environment is None else environment,
        code_dir=spec.code_uri,
        layer_dirs=spec.layer_dirs,
        reuse=reuse,
    )
