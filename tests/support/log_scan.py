"""The personal-data log scan: no NIK, phone number or bank account number in any log line.

tests/conftest.py keeps every test's captured output and, when the session finishes, scans it
together with the log files registered here (the local stacks' stdout+stderr): a finding fails
the run, naming where it was and what kind of data, never the data itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# A whole run of digits (not part of a UUID/ULID): a NIK or bank account (10-20 digits), or an
# Indonesian mobile number.
PERSONAL = re.compile(r"(?<![\w-])(?:\+?62|0)8\d{7,12}(?![\w-])|(?<![\w-])\d{10,20}(?![\w-])")
_PHONE = re.compile(r"(?:\+?62|0)8\d{7,12}")

NIK = "NIK (16 digits)"
PHONE = "phone number"
ACCOUNT = "bank account number (10-20 digits)"

# Log files the scan reads at the end of the session (a local stack's stdout+stderr).
LOG_FILES: list[Path] = []


def watch_log_file(path: Path) -> None:
    """Scan this file too when the session finishes."""
    LOG_FILES.append(path)


def _searchable(line: str) -> str:
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            record = json.loads(stripped)
        except ValueError:
            record = None
        if isinstance(record, dict):
            # CloudWatch EMF metadata holds an epoch-millisecond timestamp, not personal data.
            record.pop("_aws", None)
            return json.dumps(record, ensure_ascii=False)
    return line


def personal_data_in(line: str) -> list[str]:
    """What in `line` looks like personal data (for the tests of the scanner; never logged)."""
    return [m.group(0) for m in PERSONAL.finditer(_searchable(line))]


def kind_of(found: str) -> str:
    if _PHONE.fullmatch(found):
        return PHONE
    return NIK if len(found) == 16 else ACCOUNT


def kinds_in(line: str) -> list[str]:
    """The kinds of personal data in `line` (NIK, phone number, bank account number), in order."""
    return [kind_of(found) for found in personal_data_in(line)]


@dataclass(frozen=True)
class Finding:
    """Where personal data was seen and its kind: never the data itself."""

    source: str  # a test's node id and capture section, or a log file
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.source}, line {self.line}: {self.kind}"


def scan(texts: Iterable[tuple[str, str]]) -> Iterator[Finding]:
    """Findings in (source, text) pairs, line by line."""
    for source, text in texts:
        for number, line in enumerate(text.splitlines(), start=1):
            for kind in kinds_in(line):
                yield Finding(source, number, kind)


def log_file_texts() -> Iterator[tuple[str, str]]:
    for path in LOG_FILES:
        if path.exists():
            yield str(path), path.read_text(encoding="utf-8", errors="replace")


def report(findings: list[Finding], limit: int = 40) -> str:
    """The failure message: where, and which kind of data, for each finding (the first `limit`)."""
    lines = [
        f"personal data in the logs of this run: {len(findings)} finding(s); the data itself is not shown.",
        "Logs must carry no NIK, phone number or bank account number (docs/security.md).",
    ]
    lines += [f"  {finding}" for finding in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"  … and {len(findings) - limit} more")
    return "\n".join(lines)
