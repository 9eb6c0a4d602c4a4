"""The layers hold: the import contracts (pyproject.toml [tool.importlinter]) pass on the code and
fail when a domain module imports an AWS library; key formats live in one adapter module;
product modules stay small enough to read in one sitting."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "common" / "sutasoma"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
KEY_MODULE = PACKAGE / "adapters" / "dynamo" / "keys.py"
# Partition and sort key prefixes of the single table (docs/data-model.md).
KEY_STRING = re.compile(
    r"""["'](?:FARMER|KEC|AGENT|COUNTER|POP|CLAIMS?|CLAIMKEY|DEATHCLAIM|AUDIT|NIK|OUTBOX|PAYMENT|REPORTS?|CALLBACK|SEQ|REFUNDS?)#"""
)
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{root / 'layers' / 'common'}{os.pathsep}{root}"}
    return subprocess.run(  # noqa: S603 - our own tool on our own tree
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_code_keeps_every_contract() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "BROKEN" not in done.stdout


def test_an_aws_import_in_the_domain_breaks_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "layers", copy / "layers", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "functions", copy / "functions", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    periods = copy / "layers" / "common" / "sutasoma" / "domain" / "periods.py"
    periods.write_text(periods.read_text() + "\nimport boto3  # a domain rule reaching for AWS\n")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "sutasoma.domain.periods -> boto3" in done.stdout


def test_key_formats_live_in_one_adapter_module() -> None:
    found = []
    for folder in ("layers", "functions", "bench", "local", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == KEY_MODULE:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if KEY_STRING.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert not found, f"key strings outside {KEY_MODULE.relative_to(ROOT)}: {found}"


def product_modules() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *(ROOT / "functions").rglob("app.py")])


@pytest.mark.parametrize("path", product_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_are_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"split these: {long}"
