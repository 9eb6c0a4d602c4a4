"""The plan of the seeded history: the months, the farmers (who registers them, how they pay)
and the dated events (registrations, visits, claims), deterministic for a given `now` (a fixed
random seed). Played through the API by local.seed.history."""

from __future__ import annotations

import calendar
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from local.seed.farmers import SEED, DemoFarmer, demo_farmers
from local.seed.users import slug
from sutasoma.domain.clock import WITA, period_of, today_wita
from sutasoma.domain.periods import add_months, month_index, months_between, parse_period
from sutasoma.domain.places import Kecamatan

# ---------------------------------------------------------------------------------- history

HISTORY_MONTHS = 6  # the current month and the 5 before it
# Farmers per kecamatan, in code order: BPP that recruit more and less (160 in all).
HISTORY_FARMERS = (26, 16, 22, 24, 14, 19, 17, 22)
# How likely a BPP's farmers are to pay what they owe when the agent comes (code order): the
# ranking of the reports comes out of this, through the real counters.
HISTORY_DISCIPLINE = (0.84, 0.76, 0.90, 0.96, 0.70, 0.87, 0.80, 0.92)
# Share of the registrations in each month of the history, oldest first.
_REGISTRATION_WEIGHTS = (30, 20, 15, 13, 12, 10)
_STOPPER_REGISTRATION_WEIGHTS = (45, 30, 15, 10, 0, 0)
# How farmers pay: every month they owe (monthly), at harvest every ~3 months for what they owe
# and a month or two ahead (harvest), six months at a time (ahead), monthly until they stop
# (stopper: arrears, then lapsed), or never (registered, never paid).
_PROFILES = {"monthly": 35, "harvest": 30, "ahead": 12, "stopper": 13, "never": 10}
# Claims: (type, JKK outcome, months before the current one, documents uploaded and verified).
_HISTORY_CLAIMS = (
    ("JKM", None, 3, True),
    ("JKK", "treatment", 3, True),
    ("JKK", "treatment", 2, True),
    ("JKK", "temporary_disability", 2, True),
    ("JKM", None, 1, True),
    ("JKK", "treatment", 1, True),
    ("JKK", "treatment", 0, False),  # this month: documents still to come
    ("JKK", "treatment", 0, False),
)


def business_period(at: datetime) -> str:
    """The business month (WITA) of a moment."""
    return period_of(today_wita(at))


@dataclass
class PlannedClaim:
    type: str  # JKK | JKM
    outcome: str | None  # JKK outcome
    month: str  # month of the incident
    documents: bool  # documents uploaded and the claim verified the next day
    incident: date  # the day before the filing, never before the visit that paid its month


# The membership cases the history always shows, each by one farmer of this BPP (its agent's
# worklist is the one people open first): DOMAIN.md "Membership life cycle".
SHOWCASE_KECAMATAN = "73.12.04"
SHOWCASES = ("deceased", "rejected", "due", "arrears", "corrected", "first_payment")


@dataclass
class Farmer:
    """One demo farmer's life in the history: who registers them when, how they pay."""

    key: str
    body: dict[str, Any]
    agent: str
    coordinator: str
    profile: str
    discipline: float
    rng: random.Random
    registered_at: datetime
    harvest_phase: int = 0
    stop_after: str | None = None
    claim: PlannedClaim | None = None
    farmer_id: str | None = None
    paid_through: str | None = None
    dead: bool = False
    showcase: str | None = None  # one of SHOWCASES
    typo_name: str | None = None  # the name as first registered (the "corrected" case)


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    kind: str = field(
        compare=False
    )  # register | visit | claim | verify | schedule | death | correct | settle
    farmer: Farmer | None = field(default=None, compare=False)
    target: Any = field(default=None, compare=False)  # a claim id, a schedule


@dataclass
class HistoryReport:
    months: list[str] = field(default_factory=list)
    farmers: int = 0
    rejected_by_bpjs: int = 0
    payments: int = 0
    collected: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # payments the API refused, by code
    lapsed_visits: int = 0
    claims: int = 0
    claims_verified: int = 0
    claims_skipped: int = 0
    deaths: int = 0  # recorded by the agent (POST /farmers/{id}/death)
    corrections: int = 0
    refunds_opened: int = 0  # seen by the seed: after a death, a rejection
    refunds_settled: int = 0
    showcase: dict[str, str] = field(default_factory=dict)  # case -> farmer id (local/seed/plan.py SHOWCASES)
    reports: list[str] = field(default_factory=list)  # periods reported by the replayed schedules
    failed: int = 0
    seconds: float = 0.0
    seconds_by_kind: dict[str, float] = field(default_factory=dict)  # register, visit, claim…

    def __str__(self) -> str:
        span = f"{self.months[0]}..{self.months[-1]}" if self.months else "-"
        return (
            f"{span}: {self.farmers} farmers, {self.payments} payments (Rp {self.collected:,}".replace(
                ",", "."
            )
            + f"), {self.claims} claims ({self.claims_verified} verified), reports {self.reports or 'none'}, "
            f"{self.deaths} deaths, {self.corrections} corrections, refunds {self.refunds_opened} opened / "
            f"{self.refunds_settled} settled, {self.failed} failed requests, in {self.seconds:.1f} s "
            f"({self.seconds_by_kind})"
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Days:
    """When things happen in the history: working hours of past days (nothing today), and the
    order of events planned for the same moment."""

    current: str  # this month
    last_day: datetime  # today, 00:00 WITA: events stop before it
    seq: Iterator[int]

    def moment(self, period: str, first_day: int, last: int, rng: random.Random) -> datetime | None:
        """A working-hours moment of a day in [first_day, last] of `period`, before today."""
        year, month = parse_period(period)
        last = min(last, calendar.monthrange(year, month)[1])
        if period == self.current:
            last = min(last, self.last_day.day - 1)
        if last < first_day:
            return None
        day = datetime(year, month, rng.randint(first_day, last), tzinfo=WITA)
        return day + timedelta(minutes=rng.randint(8 * 60, 15 * 60 + 30))

    def event(self, at: datetime, kind: str, farmer: Farmer) -> Event:
        return Event(at, next(self.seq), kind, farmer)


def plan_history(
    soppeng: Sequence[Kecamatan], now: datetime, farmers_per_kecamatan: tuple[int, ...] = HISTORY_FARMERS
) -> tuple[list[str], list[Farmer], list[Event]]:
    """The months, the farmers and the dated events (registrations, visits, claims) of the
    history ending `now`: deterministic for a given `now` (a fixed random seed)."""
    rng = random.Random(f"{SEED}/history")  # nosec B311 # - reproducible demo data, not crypto
    current = business_period(now)
    months = [add_months(current, i - HISTORY_MONTHS + 1) for i in range(HISTORY_MONTHS)]
    # Nothing happens today: events stop at the end of yesterday (WITA).
    last_day = now.astimezone(WITA).replace(hour=0, minute=0, second=0, microsecond=0)
    demo = demo_farmers(soppeng, per_kecamatan=max(farmers_per_kecamatan), today=last_day.date())
    days = _Days(current, last_day, itertools.count())
    farmers: list[Farmer] = []
    events: list[Event] = []
    for index, kec in enumerate(soppeng):
        mine = [f for f in demo if f.body["kecamatan_code"] == kec.code][: farmers_per_kecamatan[index]]
        for n, demo_farmer in enumerate(mine):
            farmer = _plan_farmer(days, months, kec, index, f"{kec.code}/{n}", demo_farmer)
            farmers.append(farmer)
            events.extend(_plan_visits(days, months, farmer))
    events.extend(_plan_claims(days, months, farmers, events, rng, len(soppeng)))
    events = _plan_showcases(days, months, farmers, events)
    events.sort()
    return months, farmers, events


def _plan_farmer(
    days: _Days, months: list[str], kec: Kecamatan, index: int, key: str, demo_farmer: DemoFarmer
) -> Farmer:
    """Who the farmer is in the history: when registered, how they pay."""
    own = random.Random(f"{SEED}/history/{key}")  # nosec B311 # - reproducible demo data, not crypto
    profile = own.choices(list(_PROFILES), weights=list(_PROFILES.values()))[0]
    # Those who stop paying mostly joined early: some have lapsed by now.
    weights = _STOPPER_REGISTRATION_WEIGHTS if profile == "stopper" else _REGISTRATION_WEIGHTS
    registered = None
    while registered is None:
        month = own.choices(months, weights=weights)[0]
        registered = days.moment(month, 1, 28, own)
    if demo_farmer.body["nik"].endswith("9999"):
        profile = "never"  # BPJS refuses these NIKs (docs/bpjs-h2h.md): nobody collects
    farmer = Farmer(
        key=key,
        body=demo_farmer.body,
        agent=f"agen.{slug(kec.name)}",
        coordinator=f"koordinator.{slug(kec.name)}",
        profile=profile,
        discipline=HISTORY_DISCIPLINE[index],
        rng=own,
        registered_at=registered,
        harvest_phase=own.randrange(3),
    )
    if profile == "stopper":
        # Pays for a while, then stops: in arrears by the end, or lapsed if early enough.
        farmer.stop_after = add_months(business_period(registered), own.randint(0, 1))
    return farmer


def _plan_visits(days: _Days, months: list[str], farmer: Farmer) -> list[Event]:
    """The registration, then the agent's visits: the first when the agent brings the BPJS
    card, a few days later (most), or at the next month's visit; then one a month."""
    own, registered = farmer.rng, farmer.registered_at
    events = [days.event(registered, "register", farmer)]
    first_visit = registered + timedelta(days=own.randint(2, 6), minutes=own.randint(-60, 60))
    if (
        farmer.profile != "never"
        and business_period(first_visit) == business_period(registered)
        and first_visit < days.last_day
        and own.random() < (1.0 if farmer.profile == "ahead" else 0.9)
    ):
        events.append(days.event(first_visit, "visit", farmer))
    for month in months[months.index(business_period(registered)) + 1 :]:
        visit = days.moment(month, 2, 27, own)
        if visit is not None:
            events.append(days.event(visit, "visit", farmer))
    return events


def _plan_claims(
    days: _Days,
    months: list[str],
    farmers: list[Farmer],
    visits: list[Event],
    rng: random.Random,
    kecamatan_count: int,
) -> list[Event]:
    """A few claims, by farmers who pay (and so are covered), in different kecamatan."""
    early = month_start(months[2])
    candidates = [
        f
        for f in farmers
        if f.profile in ("monthly", "ahead") and f.discipline >= 0.75 and f.registered_at < early
    ]
    rng.shuffle(candidates)
    used: set[str] = set()
    claims: list[Event] = []
    for claim_type, outcome, months_back, documents in _HISTORY_CLAIMS:
        month = add_months(days.current, -months_back)
        free = [f for f in candidates if f.claim is None]
        # Another kecamatan than the last claims' where possible.
        for pick in sorted(free, key=lambda f: f.body["kecamatan_code"] in used):
            that_visit = next(
                (
                    e
                    for e in visits
                    if e.farmer is pick and e.kind == "visit" and business_period(e.at) == month
                ),
                None,
            )
            if that_visit is None:
                continue
            # Filed one to three days after that month's visit (visits are on days 2-27); the
            # incident the day before.
            filed = that_visit.at + timedelta(days=rng.randint(1, 3))
            if filed >= days.last_day:
                filed = that_visit.at + timedelta(hours=rng.randint(2, 6))
            if filed >= days.last_day:
                continue
            used = set() if len(used) == kecamatan_count - 1 else used | {pick.body["kecamatan_code"]}
            # Only payments made on or before the incident's day cover it (DOMAIN "Coverage"): a
            # claim filed on the visit's own day is for an incident of that day.
            incident = max(
                (filed - timedelta(days=1)).astimezone(WITA).date(), that_visit.at.astimezone(WITA).date()
            )
            pick.claim = PlannedClaim(claim_type, outcome, month, documents, incident)
            claims.append(days.event(filed, "claim", pick))
            break
    return claims


def _plan_showcases(
    days: _Days, months: list[str], farmers: list[Farmer], events: list[Event]
) -> list[Event]:
    """One farmer of SHOWCASE_KECAMATAN for each case of SHOWCASES, whatever the day the history
    ends on: how they pay is set, and their dated events replace the ones planned. Picked in plan
    order among those without a claim (and not a NIK BPJS refuses), deterministic for a `now`."""
    own = random.Random(f"{SEED}/history/showcase")  # nosec B311 # - reproducible demo data, not crypto
    pool = [
        f for f in farmers
        if f.body["kecamatan_code"] == SHOWCASE_KECAMATAN and f.claim is None and not f.body["nik"].endswith("9999")
    ]  # fmt: skip
    picks: dict[str, Farmer] = {}

    def pick(case: str, registered_before: datetime) -> None:
        picks[case] = next(
            f for f in pool if f.registered_at < registered_before and all(f is not p for p in picks.values())
        )

    for case in ("deceased", "due", "arrears"):  # a few months of payments behind them
        pick(case, month_start(months[2]))
    pick("corrected", days.last_day - timedelta(days=7))
    pick("first_payment", days.last_day - timedelta(days=1))
    pick("rejected", days.last_day)
    chosen = {id(f) for f in picks.values()}
    kept = [e for e in events if e.farmer is None or id(e.farmer) not in chosen]
    for case, farmer in picks.items():
        farmer.showcase = case
        farmer.profile = {"deceased": "ahead", "rejected": "never", "first_payment": "never"}.get(
            case, "monthly"
        )
        farmer.discipline = 1.0
        if case == "rejected":  # three months back: its refund settled since
            moment = days.moment(months[-3], 3, 20, own)
            assert moment is not None  # nosec B101 # - a local tool never run with -O; type narrowing
            farmer.registered_at = moment
        if case == "corrected":  # two letters swapped at registration
            name = farmer.body["full_name"]
            farmer.typo_name = name[:-2] + name[-1] + name[-2]
        kept.append(days.event(farmer.registered_at, "register", farmer))
        kept.extend(e for e in _plan_visits(days, months, farmer)[1:] if _keeps_visit(case, e, months))
    # The death, reported by the family at the end of last month, after that month's visit.
    death = days.moment(months[-2], 28, 28, own)
    assert death is not None  # nosec B101 # - a local tool never run with -O; type narrowing
    kept.append(days.event(death, "death", picks["deceased"]))
    # The rejected farmer's money given back on the agent's round a week later.
    kept.append(days.event(picks["rejected"].registered_at + timedelta(days=7), "settle", picks["rejected"]))
    # The coordinator corrects the name a few working days after the registration.
    fixed = picks["corrected"].registered_at + timedelta(days=own.randint(2, 6))
    kept.append(days.event(fixed, "correct", picks["corrected"]))
    return kept


def _keeps_visit(case: str, visit: Event, months: list[str]) -> bool:
    """The visits a showcase farmer keeps: none for those who never pay, none this month for the
    one who is due, none after three months back for the one in arrears."""
    month = business_period(visit.at)
    if case in ("rejected", "first_payment"):
        return False
    if case == "due":
        return month != months[-1]
    if case == "arrears":
        return month <= months[-3]
    return True


def month_start(period: str) -> datetime:
    year, month = parse_period(period)
    return datetime(year, month, 1, tzinfo=WITA)


def months_to_pay(farmer: Farmer, month: str) -> int:
    """What the farmer pays at a visit in `month`: 0 for nothing, else a number of months (arrears
    first, as the quote counts them)."""
    if farmer.dead or farmer.profile == "never":
        return 0
    if farmer.profile == "stopper" and farmer.stop_after is not None and month > farmer.stop_after:
        return 0
    owed = 1 if farmer.paid_through is None else months_between(farmer.paid_through, month)
    if owed <= 0:
        return 0  # paid ahead: nothing due
    if owed > 3:
        return -1  # lapsed: more than 3 months unpaid, a payment is refused (FARMER_LAPSED)
    if farmer.showcase in ("due", "arrears"):
        return owed  # exactly what is owed: paid through the month of the visit
    rng = farmer.rng
    claims_now = farmer.claim is not None and farmer.claim.month == month
    if farmer.profile == "ahead":
        return owed + 5
    if farmer.profile == "harvest":
        harvest = (
            (month_index(month) + farmer.harvest_phase) % 3 == 0 or owed >= 3 or farmer.paid_through is None
        )
        if claims_now or (harvest and rng.random() < farmer.discipline + 0.05):
            return owed + rng.choice((1, 2))
        return 0
    if farmer.profile == "stopper" or claims_now or rng.random() < farmer.discipline:
        return owed + (1 if rng.random() < 0.1 else 0)
    return 0
