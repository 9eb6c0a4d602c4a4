"""Powertools' event handler and data classes packages made lazy (sutasoma.runtime.lazy_packages):
an HTTP function loads the resolver it uses and nothing of the others, and every name the
packages export is still there, the same object the package's own `__init__` would give."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common"


def _child(code: str) -> dict:
    """Runs `code` in a fresh interpreter (nothing of Powertools imported yet); it prints JSON."""
    done = subprocess.run(  # noqa: S603 - our own interpreter on our own code
        [sys.executable, "-c", f"import sys, json; sys.path.insert(0, {str(LAYER)!r})\n{code}"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_http_entry_loads_one_resolver_and_not_the_others() -> None:
    out = _child(
        "import sutasoma.api.http\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('aws_lambda_powertools.event_handler.'))))"
    )
    loaded = set(out)
    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded
    for other in (
        "appsync",
        "bedrock_agent",
        "vpc_lattice",
        "lambda_function_url",
        "events_appsync.appsync_events",
    ):
        assert f"aws_lambda_powertools.event_handler.{other}" not in loaded


def test_every_exported_name_is_the_object_the_real_package_gives() -> None:
    code = """
import importlib
names = {}
for package in ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes"):
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        names[f"{package}:{name}"] = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
print(json.dumps(names))
"""
    real = _child(code)
    lazy = _child("from sutasoma.runtime import lazy_packages\nlazy_packages.install()\n" + code)
    assert len(real) > 60
    assert lazy == real


def test_a_name_the_package_does_not_have_is_an_attribute_error() -> None:
    out = _child(
        "from sutasoma.runtime import lazy_packages\nlazy_packages.install()\n"
        "import aws_lambda_powertools.event_handler as eh\n"
        "try:\n    eh.NoSuchResolver\n    print(json.dumps('found'))\n"
        "except AttributeError as e:\n    print(json.dumps(str(e)))"
    )
    assert "NoSuchResolver" in out


def test_installing_after_the_package_was_imported_changes_nothing() -> None:
    out = _child(
        "import aws_lambda_powertools.event_handler as eh\n"
        "from sutasoma.runtime import lazy_packages\n"
        "print(json.dumps([lazy_packages.lazy_package('aws_lambda_powertools.event_handler'), "
        "sys.modules['aws_lambda_powertools.event_handler'] is eh]))"
    )
    assert out == [False, True]
