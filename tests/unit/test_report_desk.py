"""The report desk on in-memory fakes: versions under races and retries, previews, what a month
with only a preview serves, and the configuration of targets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sutasoma.adapters.directory import NoDirectory
from sutasoma.app.ports import Storage
from sutasoma.app.reports import ReportDesk
from sutasoma.domain.changes import ChangeSet
from sutasoma.domain.counters import CounterIncrement, PopulationDelta
from sutasoma.domain.errors import PeriodNotEnded
from sutasoma.domain.identity import Caller, Role
from sutasoma.runtime.settings import MissingConfiguration, settings_from_env
from sutasoma.runtime.settings.reports import ReportSettings
from tests.support.fakes import MemoryDocuments, MemoryMisc, memory_storage

ADMIN = Caller(sub="s", username="admin.dinas", role=Role.ADMIN, kecamatan=None, request_id="r")
# 6 December 2026, 10:00 WITA: November has ended, December is the current month.
NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


class Names:
    def names(self) -> dict[str, str]:
        return {"agen.citta": "Amiruddin Kasim"}


def desk_on(storage: Storage, targets: dict[str, float] | None = None) -> ReportDesk:
    return ReportDesk(storage.counters, storage.reports, MemoryDocuments(), Names(), 0.05, targets or {})


@pytest.fixture
def storage() -> Storage:
    store = memory_storage()
    store.unit.commit(
        ChangeSet(
            counts=(
                PopulationDelta("73.12.08", "2026-11", {"n_2026_11": 3, "inc_2026_11": 3_000_000}),
                CounterIncrement("2026-11", "73.12.08", {"contributions_collected": 25_200, "payments": 3}),
                CounterIncrement("2026-11", "73.12.08", {"collections_amount": 25_200}, agent="agen.citta"),
            )
        )
    )
    return store


def test_two_generations_at_once_make_two_versions(storage: Storage) -> None:
    reports = storage.reports
    assert isinstance(reports, MemoryMisc)
    desk = desk_on(storage)
    original = reports.put_version
    raced = []

    def slower_writer(period: str, version: int, report_json: str, generated_at: str) -> None:
        if not raced:  # another admin's generation lands between our read and our write
            raced.append(version)
            original(period, version, report_json.replace('"generated_by":"admin.dinas"', '"generated_by":"x"'),
                     generated_at)  # fmt: skip
        original(period, version, report_json, generated_at)

    reports.put_version = slower_writer  # type: ignore[method-assign]
    mine = desk.generate("2026-11", "admin.dinas", NOW)
    assert raced == [1] and (mine.version, mine.supersedes) == (2, 1)
    assert desk.read(ADMIN, "2026-11", 1).generated_by == "x"
    assert desk.read(ADMIN, "2026-11").version == 2


def test_the_schedule_after_an_admin_makes_the_next_version_once(storage: Storage) -> None:
    desk = desk_on(storage)
    assert desk.generate("2026-11", "admin.dinas", NOW).version == 1
    scheduled = desk.generate_scheduled("2026-11", NOW)
    retried = desk.generate_scheduled("2026-11", NOW)
    assert (scheduled.version, scheduled.generated_by) == (2, "jadwal")
    assert retried == scheduled and desk.read(ADMIN, "2026-11").version == 2
    desk.generate("2026-11", "admin.dinas", NOW)  # an admin's revision after the meeting
    assert desk.generate_scheduled("2026-11", NOW) == scheduled  # a late retry still adds none
    assert desk.read(ADMIN, "2026-11").version == 3


def test_previews_are_versions_until_the_month_is_evaluated(storage: Storage) -> None:
    """CONTRACT: each generation is a new version (1 = the first); the current month's are
    provisional. The first version after the month ended is its evaluation: it replaces no
    evaluated version (`supersedes` null), and the watchdog counts only it."""
    desk = desk_on(storage)
    at_end_of_november = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    preview = desk.generate("2026-11", "admin.dinas", at_end_of_november)
    assert (preview.provisional, preview.version, preview.supersedes, preview.best_bpp) == (
        True,
        1,
        None,
        None,
    )
    assert desk.stored("2026-11").provisional and not desk.exists("2026-11")
    again = desk.generate("2026-11", "admin.dinas", at_end_of_november)
    assert (again.provisional, again.version, again.supersedes, again.changes) == (True, 2, 1, [])
    evaluated = desk.generate_scheduled("2026-11", NOW)
    assert (evaluated.version, evaluated.provisional, evaluated.supersedes, evaluated.changes) == (
        3,
        False,
        None,
        [],
    )
    assert evaluated.best_bpp is not None and evaluated.best_bpp.kecamatan_code == "73.12.08"
    assert desk.stored("2026-11").version == 3 and desk.exists("2026-11")
    assert desk.stored("2026-11", 1) == preview  # an earlier version, unchanged
    assert desk.generate_scheduled("2026-11", NOW) == evaluated  # a retried schedule adds none
    revised = desk.generate("2026-11", "admin.dinas", NOW)
    assert (revised.version, revised.supersedes) == (4, 3)
    assert (preview.evaluated_version, evaluated.evaluated_version, revised.evaluated_version) == (None, 3, 3)


def test_names_and_targets_reach_the_rows(storage: Storage) -> None:
    report = desk_on(storage, {"73.12.08": 0.85}).generate("2026-11", "admin.dinas", NOW)
    (agent,) = report.agents
    assert (agent.full_name, agent.incentive) == ("Amiruddin Kasim", 1_260)
    targets = {r.kecamatan_code: r.target for r in report.rows}
    assert targets["73.12.08"] == 0.85 and targets["73.12.01"] is None


def test_a_month_not_begun_is_refused_before_anything_is_read(storage: Storage) -> None:
    with pytest.raises(PeriodNotEnded):
        desk_on(storage).generate("2027-01", "admin.dinas", NOW)


def test_no_pool_means_usernames() -> None:
    assert NoDirectory().names() == {}


def test_targets_are_checked_when_the_function_starts() -> None:
    base = {"TABLE_NAME": "t", "REPORTS_BUCKET": "b"}
    settings = settings_from_env(ReportSettings, {**base, "COLLECTION_TARGETS": "73.12.01=0.85, 73.12.06=1"})
    assert settings.targets == {"73.12.01": 0.85, "73.12.06": 1.0}
    assert settings_from_env(ReportSettings, base).targets == {}
    for wrong in ("73.12.09=0.8", "73.12.01=85", "73.12.01", "73.12.01=x"):
        with pytest.raises(MissingConfiguration, match="COLLECTION_TARGETS"):
            settings_from_env(ReportSettings, {**base, "COLLECTION_TARGETS": wrong})
