"""The outside scanners of `make scan` (checkov, cfn-lint with the serverless rules, bandit): every
accepted finding is skipped where it is, with its reason, and listed in docs/security.md
"Scanners"; a new finding fails each scanner (a planted one here, on copies)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.template.cfn_yaml import load_yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DOCS = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
ACCEPTED = [line for line in DOCS.splitlines() if re.match(r"^\| (checkov|cfn-lint|bandit) \| ", line)]
NOSEC = re.compile(r"# nosec (B\d{3})(?: # - (?P<reason>\S.{9,}))?$")


def documented(scanner: str, finding: str, where: str) -> bool:
    return any(
        line.startswith(f"| {scanner} | {finding} |") and (where in line or "every" in line.split("|")[3])
        for line in ACCEPTED
    )


def resources() -> dict[str, Any]:
    found: dict[str, Any] = load_yaml(ROOT / "template.yaml")["Resources"]
    return found


def test_every_checkov_skip_has_a_reason_and_is_documented() -> None:
    skips = [
        (lid, skip) for lid, r in resources().items() for skip in ((r.get("Metadata") or {}).get("checkov") or {}).get("skip", [])
    ]  # fmt: skip
    assert skips
    for lid, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (lid, skip)
        assert len(skip.get("comment", "")) >= 20, f"{lid} {skip['id']}: say why"
        assert documented("checkov", skip["id"], lid), f"{lid} {skip['id']} is not in docs/security.md"


def test_every_cfn_lint_ignore_has_a_reason_and_is_documented() -> None:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    ignored = {
        lid: ((r.get("Metadata") or {}).get("cfn-lint") or {}).get("config", {}).get("ignore_checks", [])
        for lid, r in resources().items()
    }
    assert any(ignored.values())
    for lid, checks in ignored.items():
        block = re.split(r"\n  \S", text.split(f"\n  {lid}:\n", 1)[1], maxsplit=1)[0] if checks else ""
        for check in checks:
            assert re.search(rf"- {check}  # \S.{{9,}}", block), f"{lid} {check}: say why (a comment)"
            assert documented("cfn-lint", check, lid), f"{lid} {check} is not in docs/security.md"


def test_every_nosec_has_a_reason_and_is_documented() -> None:
    found = 0
    for folder in ("layers", "functions", "local"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if "nosec" not in line:
                    continue
                found += 1
                match = NOSEC.search(line)
                where = f"{path.relative_to(ROOT)}:{number}"
                assert match and match["reason"], f"{where}: `# nosec BXXX # - reason`"
                assert documented("bandit", match[1], str(path.relative_to(ROOT))), f"{where} not in docs"
    assert found


def test_the_documented_findings_are_all_still_skipped() -> None:
    template = (ROOT / "template.yaml").read_text(encoding="utf-8")
    code = "".join(
        p.read_text(encoding="utf-8")
        for f in ("layers", "functions", "local")
        for p in (ROOT / f).rglob("*.py")
    )
    for line in ACCEPTED:
        scanner, finding = line.split(" | ")[0].strip("| "), line.split(" | ")[1]
        assert finding in (code if scanner == "bandit" else template), (
            f"docs/security.md lists {finding}: gone?"
        )


# ---------------------------------------------------------------------------------- planted


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603


@pytest.fixture(scope="module")
def planted_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with one bucket more, unencrypted, unlogged, and a queue without redrive."""
    folder = tmp_path_factory.mktemp("scan")
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "\nOutputs:\n",
        "\n  PlantedBucket:\n    Type: AWS::S3::Bucket\n  PlantedQueue:\n    Type: AWS::SQS::Queue\n\nOutputs:\n",
    )
    (folder / "template.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_new_finding_fails_checkov(planted_template: Path) -> None:
    done = run(str(BIN / "checkov"), "-f", "template.yaml", "--framework", "cloudformation", "--quiet",
               "--compact", "--skip-download", cwd=planted_template)  # fmt: skip
    assert done.returncode != 0 and "PlantedBucket" in done.stdout


def test_a_new_finding_fails_cfn_lint(planted_template: Path) -> None:
    done = run(
        str(BIN / "cfn-lint"), "-a", "cfn_lint_serverless.rules", "--", "template.yaml", cwd=planted_template
    )
    assert done.returncode != 0 and "PlantedQueue" in done.stdout


def test_a_new_finding_fails_bandit(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "local" / "seed", tmp_path / "local")
    (tmp_path / "local" / "planted.py").write_text("import random\nTOKEN = str(random.random())\n")
    done = run(str(BIN / "bandit"), "-r", "local", "-q", cwd=tmp_path)
    assert done.returncode != 0 and "B311" in done.stdout
    (tmp_path / "local" / "planted.py").unlink()
    assert run(str(BIN / "bandit"), "-r", "local", "-q", cwd=tmp_path).returncode == 0
