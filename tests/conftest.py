"""Session-wide: every test's captured output is kept, so a last test can scan all of it
(and the local stack's log) for personal data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before any test module imports sutasoma (at collection): the shared Metrics reads its
# namespace once, at import. With metrics disabled nothing is flushed, so values pile up, and
# Powertools serialises the set on a metric's 100th value (EMF limit) whatever the switch:
# without a namespace the 100th registration of a run would fail with SchemaValidationError.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Sutasoma")

CAPTURED_OUTPUT: list[str] = []
EXTRA_LOG_FILES: list[Path] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    CAPTURED_OUTPUT.extend(text for _, text in report.sections)
