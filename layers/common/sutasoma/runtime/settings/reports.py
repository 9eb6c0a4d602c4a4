"""The settings of the monthly report and the reconcile job."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from sutasoma.domain.places import is_kecamatan
from sutasoma.runtime.settings import Settings


class ReportSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "reports_bucket": "REPORTS_BUCKET",
        "incentive_rate": "INCENTIVE_RATE",
        "user_pool_id": "USER_POOL_ID",
        "collection_targets": "COLLECTION_TARGETS",
    }
    reports_bucket: str = Field(min_length=1)
    # Agent incentive as a share of collected contributions (Perisai pays 0.075); 0 by default.
    incentive_rate: float = Field(default=0.0, ge=0, le=0.5)
    # Where the agents' full names come from (their Cognito `name`); empty: usernames are shown.
    user_pool_id: str = ""
    # Each BPP's collection target, "73.12.01=0.85,73.12.06=0.9"; a BPP not named has none.
    # Kept as the text (settings are hashable: functions cache what they build from them).
    collection_targets: str = ""

    @field_validator("collection_targets")
    @classmethod
    def check_targets(cls, value: str) -> str:
        parse_targets(value)
        return value

    @property
    def targets(self) -> dict[str, float]:
        return parse_targets(self.collection_targets)


def parse_targets(text: str) -> dict[str, float]:
    targets: dict[str, float] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        code, _, target = (part.strip() for part in pair.partition("="))
        try:
            valid = is_kecamatan(code) and 0 < float(target) <= 1
        except ValueError:
            valid = False
        if not valid:
            raise ValueError(f"COLLECTION_TARGETS: {pair!r} is not <kecamatan code>=<fraction 0..1>")
        targets[code] = float(target)
    return targets


class ReconcileSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "reconcile_queue_url": "RECONCILE_QUEUE_URL",
        "reconcile_segments": "RECONCILE_SEGMENTS",
    }
    reconcile_queue_url: str = Field(min_length=1)
    # Segments of the parallel Scan, one task (and worker) each: more for a bigger table.
    reconcile_segments: int = Field(default=8, ge=1, le=1000)
