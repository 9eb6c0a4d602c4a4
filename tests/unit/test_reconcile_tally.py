"""The reconcile's tallies: parts of the table add up to the whole, and survive their JSON."""

from __future__ import annotations

from collections import Counter

from sutasoma.app.reconcile import Tally, differences_of
from sutasoma.domain.reconcile_job import SegmentTask


def part(kec: str, month: str, registered: int, kept: int | None, items: int) -> Tally:
    return Tally(
        population={kec: Counter({"registered": registered})},
        counters={(month, kec): Counter({"new_registrations": registered})},
        kept_population={kec: Counter({"registered": registered})},
        kept_counters={} if kept is None else {(month, kec): {"new_registrations": kept}},
        items_scanned=items,
    )


def test_parts_add_up_to_the_whole_and_keep_through_json() -> None:
    # One kecamatan's records read by two segments; its counter item in one of them.
    first = part("73.12.04", "2026-11", 2, 5, 10)
    second = part("73.12.04", "2026-11", 3, None, 7)
    whole = Tally.from_json(first.as_json()).add(Tally.from_json(second.as_json()))
    assert whole.population == {"73.12.04": Counter({"registered": 5})}
    assert whole.counters == {("2026-11", "73.12.04"): Counter({"new_registrations": 5})}
    assert whole.kept_counters == {("2026-11", "73.12.04"): {"new_registrations": 5}}
    assert whole.items_scanned == 17
    assert differences_of(whole) == []


def test_a_counter_that_disagrees_is_a_difference() -> None:
    whole = part("73.12.01", "2026-10", 4, 3, 9)
    assert differences_of(whole) == [
        {"counter": "monthly", "kecamatan_code": "73.12.01", "period": "2026-10", "figure": "new_registrations",
         "recounted": 4, "kept": 3}
    ]  # fmt: skip


def test_a_segment_task_goes_on_as_its_next_piece() -> None:
    task = SegmentTask("01JOB", 3, 8)
    rest = task.rest({"PK": {"S": "FARMER#x"}, "SK": {"S": "PROFILE"}})
    assert (rest.segment, rest.piece, rest.start_key) == (
        3,
        1,
        {"PK": {"S": "FARMER#x"}, "SK": {"S": "PROFILE"}},
    )
    assert SegmentTask.from_json(rest.as_json()) == rest
