"""Session-wide: every test's captured output is kept, so a last test can scan all of it
(and the local stack's log) for personal data."""

from __future__ import annotations

from pathlib import Path

import pytest

CAPTURED_OUTPUT: list[str] = []
EXTRA_LOG_FILES: list[Path] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    CAPTURED_OUTPUT.extend(text for _, text in report.sections)
