"""Demo users in the embedded Cognito, demo farmers, and months of history (`seed_history`).

Users: for each of Soppeng's 8 kecamatan an agent (`agen.<kecamatan>`) and a coordinator
(`koordinator.<kecamatan>`), plus one `admin`; each in the group named after their role, with
`custom:kecamatan` set (not for the admin) and a permanent password.

Farmers go through `POST /farmers` with the ID token of their kecamatan's agent, exactly as
the app would send them, so the seed exercises the real validation and storage path. The data
is generated from a fixed random seed: every run produces the same farmers.

History (what `make run` seeds): the last HISTORY_MONTHS months replayed through the API, in
time order, with the business clock of the functions moved back to each moment (see
`BusinessClock` and `seed_history` below): registrations, monthly visits with payments, a few
claims, and the monthly report schedule on each 5th. Every counter is written by the real write
paths, so the reports of those months are what they would have been.
"""

from __future__ import annotations

import calendar
import contextlib
import heapq
import itertools
import logging
import os
import random
import sys
import time
import uuid
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from sutasoma.domain.clock import WITA, period_of, today_wita
from sutasoma.domain.nik import Sex, compose_nik
from sutasoma.domain.periods import add_months, month_index, months_between, parse_period
from sutasoma.domain.places import Kecamatan, kecamatan_codes, places

log = logging.getLogger("local.seed")

DEMO_PASSWORD = "Soppeng-Demo-2026"  # meets the pool's policy: 10+ chars, upper, lower, digit
REGENCY_CODE = "73.12"  # Kabupaten Soppeng
SEED = "sutasoma-demo-v1"
_SEED_NAMESPACE = uuid.UUID("5b0f7c52-1f2e-4d8e-9a55-2d0d3c1f0a11")


def soppeng_kecamatan() -> tuple[Kecamatan, ...]:
    """Soppeng's 8 kecamatan in code order, with their villages: the product's places list."""
    known = places()
    found = tuple(known.kecamatan[code] for code in kecamatan_codes())
    if len(found) != 8:
        raise ValueError(f"expected Soppeng's 8 kecamatan, found {len(found)}")
    return found


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str  # agent | coordinator | admin: also the Cognito group
    kecamatan: str | None  # e.g. 73.12.04; None for the admin

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


def demo_users(soppeng: Sequence[Kecamatan], password: str = DEMO_PASSWORD) -> list[DemoUser]:
    users: list[DemoUser] = []
    for kec in soppeng:
        users.append(DemoUser(f"agen.{_slug(kec.name)}", password, "agent", kec.code))
        users.append(DemoUser(f"koordinator.{_slug(kec.name)}", password, "coordinator", kec.code))
    users.append(DemoUser("admin", password, "admin", None))
    return users


def create_demo_users(idp: Any, user_pool_id: str, users: list[DemoUser]) -> None:
    """Create the users (idempotent: an existing user gets its password and group again)."""
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=user_pool_id)["Groups"]}
    missing = {u.role for u in users} - groups
    if missing:
        raise RuntimeError(f"template.yaml declares no Cognito group(s) {sorted(missing)}")
    for user in users:
        attributes = [{"Name": "custom:kecamatan", "Value": user.kecamatan}] if user.kecamatan else []
        with contextlib.suppress(idp.exceptions.UsernameExistsException):
            idp.admin_create_user(
                UserPoolId=user_pool_id,
                Username=user.username,
                UserAttributes=attributes,
                MessageAction="SUPPRESS",  # no invitation: the password is set just below
            )
        idp.admin_set_user_password(
            UserPoolId=user_pool_id, Username=user.username, Password=user.password, Permanent=True
        )
        idp.admin_add_user_to_group(UserPoolId=user_pool_id, Username=user.username, GroupName=user.role)
    log.info("demo users ready: %d", len(users))


def id_token(idp: Any, client_id: str, username: str, password: str) -> str:
    """The ID token the app sends (custom:kecamatan is only in ID tokens)."""
    result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])


# ---------------------------------------------------------------------------------- demo farmers

_WOMEN = (
    "Hasnah", "Rahmawati", "Nurhayati", "Hj. Besse Sitti", "St. Aisyah", "Marlina", "Indo Tang",
    "Hadijah", "Nurbaya", "Sukmawati", "Andi Ratna", "Jumriati",
)  # fmt: skip
_MEN = (
    "La Tahang", "Andi Baso", "Muhammad Arif", "Syamsuddin", "Abdul Rahman", "Ambo Dalle",
    "Baharuddin", "Haeruddin", "Lukman", "Sudirman", "Andi Mappasessu", "Mustari",
)  # fmt: skip
_DUSUN = ("Bulu", "Ujung", "Tanete", "Lompo", "Kampiri", "Cenrana", "Salo", "Watu", "Attang Salo")
_COMMODITIES = ("padi", "padi", "padi", "jagung", "kakao", "kedelai")


@dataclass
class DemoFarmer:
    agent: str  # username of the agent who registers the farmer
    idempotency_key: str
    body: dict[str, Any] = field(default_factory=dict)


def demo_farmers(
    soppeng: Sequence[Kecamatan], per_kecamatan: int = 3, today: date | None = None
) -> list[DemoFarmer]:
    """Deterministic demo farmers: the same random seed gives the same people on every run."""
    rng = random.Random(SEED)
    today = today or date.today()
    farmers: list[DemoFarmer] = []
    used_niks: set[str] = set()
    for kec in soppeng:
        district = kec.code.replace(".", "")  # 73.12.04 -> 731204, the NIK's first six digits
        villages = kec.villages
        for n in range(per_kecamatan):
            sex: Sex = "F" if rng.random() < 0.4 else "M"
            # Ages 20-60 in years of birth: whatever the birthday, the age is inside 17-65.
            birth = date(today.year - rng.randint(20, 60), rng.randint(1, 12), rng.randint(1, 28))
            while True:
                nik = compose_nik(district, birth, sex, rng.randint(1, 9999))
                if nik not in used_niks:
                    used_niks.add(nik)
                    break
            village = rng.choice(villages)
            full_name = rng.choice(_WOMEN if sex == "F" else _MEN)
            heirs = []
            if rng.random() < 0.7:
                heirs.append(
                    {
                        "full_name": rng.choice(_MEN if sex == "F" else _WOMEN),
                        "relationship": "spouse",
                        "phone": f"0852{rng.randint(0, 99_999_999):08d}",
                    }
                )
            body = {
                "nik": nik,
                "full_name": full_name,
                "birth_date": birth.isoformat(),
                "sex": sex,
                "phone": f"0812{rng.randint(0, 99_999_999):08d}",
                "kecamatan_code": kec.code,
                "village_code": village.code,
                "address": f"Dusun {rng.choice(_DUSUN)}, RT {rng.randint(1, 5):03d}/RW {rng.randint(1, 3):03d}",
                "commodity": rng.choice(_COMMODITIES),
                "monthly_income": rng.choice((1_000_000, 1_000_000, 1_500_000, 2_000_000)),
                "heirs": heirs,
                "consent": True,
            }
            key = str(uuid.uuid5(_SEED_NAMESPACE, f"farmer/{kec.code}/{n}"))
            farmers.append(DemoFarmer(agent=f"agen.{_slug(kec.name)}", idempotency_key=key, body=body))
    return farmers


@dataclass
class SeedReport:
    created: int = 0
    existing: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.existing} already registered, {self.failed} failed"


def seed_farmers(
    api_url: str,
    idp: Any,
    client_id: str,
    users: list[DemoUser],
    farmers: list[DemoFarmer],
) -> SeedReport:
    """POST each demo farmer with its agent's ID token. A 409 NIK_ALREADY_REGISTERED is fine."""
    passwords = {u.username: u.password for u in users}
    tokens: dict[str, str] = {}
    report = SeedReport()
    # trust_env=False: never through a proxy, the API is on 127.0.0.1.
    with httpx.Client(base_url=api_url, timeout=30.0, trust_env=False) as http:
        for farmer in farmers:
            if farmer.agent not in tokens:
                tokens[farmer.agent] = id_token(idp, client_id, farmer.agent, passwords[farmer.agent])
            response = http.post(
                "/farmers",
                json=farmer.body,
                headers={
                    "Authorization": f"Bearer {tokens[farmer.agent]}",
                    "Idempotency-Key": farmer.idempotency_key,
                },
            )
            code = _problem_code(response)
            if response.status_code == 201:
                report.created += 1
            elif response.status_code == 409 and code == "NIK_ALREADY_REGISTERED":
                report.existing += 1
            else:
                report.failed += 1
                # Status and stable code only: the response may echo personal data.
                log.warning(
                    "seed: POST /farmers by %s -> %s %s%s",
                    farmer.agent,
                    response.status_code,
                    code or "",
                    _fields(response),
                )
    return report


def _problem_code(response: httpx.Response) -> str | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return str(payload.get("code")) if isinstance(payload, dict) and payload.get("code") else None


def _fields(response: httpx.Response) -> str:
    """Names of the invalid fields of a 422 (never their values or messages)."""
    try:
        errors = response.json().get("errors") or []
        names = sorted({str(e.get("field")) for e in errors if isinstance(e, dict)})
    except (ValueError, AttributeError):
        return ""
    return f" fields={names}" if names else ""


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
_CLAIM_TEXT = {
    "JKM": "Meninggal dunia karena sakit di rumah.",
    "treatment": "Terluka terkena sabit saat panen padi di sawah.",
    "temporary_disability": "Jatuh dari pematang sawah, kaki patah dan tidak dapat bekerja.",
}
# How long a claim waits for BPJS to confirm its farmer's registration (real seconds).
CONFIRMATION_WAIT_S = 15.0
_DOCUMENT = b"%PDF-1.4\n% SUTASOMA demo scan\n%%EOF\n"


def _period(at: datetime) -> str:
    """The business month (WITA) of a moment."""
    return period_of(today_wita(at))


class BusinessClock:
    """The business clock of the functions in this process, moved back for the history seed.

    The services read the time only through `sutasoma.domain.clock.now_utc()` (`today_wita()` calls it
    too); `sutasoma.domain.clock.use_clock` points it here. While moved, time runs on from the moment
    set: now = `at` + the real time since `set(at)`. Every function in this process sees it, the
    SQS pollers and BPJS callbacks included: the whole system lives at that moment, as it would
    have.
    """

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._using: AbstractContextManager[None] | None = None

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, at: datetime) -> None:
        self._offset = at - datetime.now(UTC)

    def __enter__(self) -> BusinessClock:
        from sutasoma.domain.clock import use_clock

        self._using = use_clock(self.now)
        self._using.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._offset = timedelta(0)
        if self._using is not None:
            self._using.__exit__(None, None, None)
            self._using = None


@dataclass
class _Claim:
    type: str  # JKK | JKM
    outcome: str | None  # JKK outcome
    month: str  # month of the incident
    documents: bool  # documents uploaded and the claim verified the next day


@dataclass
class _Farmer:
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
    claim: _Claim | None = None
    farmer_id: str | None = None
    paid_through: str | None = None
    dead: bool = False


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)  # register | visit | claim | verify | schedule
    farmer: _Farmer | None = field(default=None, compare=False)
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
            f"{self.failed} failed requests, in {self.seconds:.1f} s ({self.seconds_by_kind})"
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def plan_history(
    soppeng: Sequence[Kecamatan], now: datetime, farmers_per_kecamatan: tuple[int, ...] = HISTORY_FARMERS
) -> tuple[list[str], list[_Farmer], list[_Event]]:
    """The months, the farmers and the dated events (registrations, visits, claims) of the
    history ending `now`: deterministic for a given `now` (a fixed random seed)."""
    rng = random.Random(f"{SEED}/history")
    current = _period(now)
    months = [add_months(current, i - HISTORY_MONTHS + 1) for i in range(HISTORY_MONTHS)]
    # Nothing happens today: events stop at the end of yesterday (WITA).
    last_day = now.astimezone(WITA).replace(hour=0, minute=0, second=0, microsecond=0)
    demo = demo_farmers(soppeng, per_kecamatan=max(farmers_per_kecamatan), today=last_day.date())
    seq = itertools.count()
    events: list[_Event] = []

    def moment(period: str, first_day: int, last: int, rng: random.Random) -> datetime | None:
        """A working-hours moment of a day in [first_day, last] of `period`, before today."""
        year, month = parse_period(period)
        last = min(last, calendar.monthrange(year, month)[1])
        if period == current:
            last = min(last, last_day.day - 1)
        if last < first_day:
            return None
        day = datetime(year, month, rng.randint(first_day, last), tzinfo=WITA)
        return day + timedelta(minutes=rng.randint(8 * 60, 15 * 60 + 30))

    farmers: list[_Farmer] = []
    for index, kec in enumerate(soppeng):
        count = farmers_per_kecamatan[index]
        mine = [f for f in demo if f.body["kecamatan_code"] == kec.code][:count]
        for n, demo_farmer in enumerate(mine):
            key = f"{kec.code}/{n}"
            own = random.Random(f"{SEED}/history/{key}")
            profile = own.choices(list(_PROFILES), weights=list(_PROFILES.values()))[0]
            # Those who stop paying mostly joined early: some have lapsed by now.
            weights = _STOPPER_REGISTRATION_WEIGHTS if profile == "stopper" else _REGISTRATION_WEIGHTS
            registered = None
            while registered is None:
                month = own.choices(months, weights=weights)[0]
                registered = moment(month, 1, 28, own)
            if demo_farmer.body["nik"].endswith("9999"):
                profile = "never"  # BPJS refuses these NIKs (docs/bpjs-h2h.md): nobody collects
            farmer = _Farmer(
                key=key,
                body=demo_farmer.body,
                agent=f"agen.{_slug(kec.name)}",
                coordinator=f"koordinator.{_slug(kec.name)}",
                profile=profile,
                discipline=HISTORY_DISCIPLINE[index],
                rng=own,
                registered_at=registered,
                harvest_phase=own.randrange(3),
            )
            if profile == "stopper":
                # Pays for a while, then stops: in arrears by the end, or lapsed if early enough.
                farmer.stop_after = add_months(_period(registered), own.randint(0, 1))
            farmers.append(farmer)
            events.append(_Event(registered, next(seq), "register", farmer))
            # The first payment when the agent brings the BPJS card, a few days later (most), or
            # at the next month's visit.
            first_visit = registered + timedelta(days=own.randint(2, 6), minutes=own.randint(-60, 60))
            if (
                profile != "never"
                and _period(first_visit) == _period(registered)
                and first_visit < last_day
                and own.random() < (1.0 if profile == "ahead" else 0.9)
            ):
                events.append(_Event(first_visit, next(seq), "visit", farmer))
            for month in months[months.index(_period(registered)) + 1 :]:
                visit = moment(month, 2, 27, own)
                if visit is not None:
                    events.append(_Event(visit, next(seq), "visit", farmer))

    # A few claims, by farmers who pay (and so are covered), in different kecamatan.
    early = _month_start(months[2])
    candidates = [
        f
        for f in farmers
        if f.profile in ("monthly", "ahead") and f.discipline >= 0.75 and f.registered_at < early
    ]
    rng.shuffle(candidates)
    used: set[str] = set()
    for claim_type, outcome, months_back, documents in _HISTORY_CLAIMS:
        month = add_months(current, -months_back)
        free = [f for f in candidates if f.claim is None]
        # Another kecamatan than the last claims' where possible.
        for pick in sorted(free, key=lambda f: f.body["kecamatan_code"] in used):
            that_visit = next(
                (e for e in events if e.farmer is pick and e.kind == "visit" and _period(e.at) == month), None
            )
            if that_visit is None:
                continue
            # Filed one to three days after that month's visit (visits are on days 2-27); the
            # incident the day before.
            filed = that_visit.at + timedelta(days=rng.randint(1, 3))
            if filed >= last_day:
                filed = that_visit.at + timedelta(hours=rng.randint(2, 6))
            if filed >= last_day:
                continue
            used = set() if len(used) == len(soppeng) - 1 else used | {pick.body["kecamatan_code"]}
            pick.claim = _Claim(claim_type, outcome, month, documents)
            events.append(_Event(filed, next(seq), "claim", pick))
            break
    events.sort()
    return months, farmers, events


def _month_start(period: str) -> datetime:
    year, month = parse_period(period)
    return datetime(year, month, 1, tzinfo=WITA)


def _months_to_pay(farmer: _Farmer, month: str) -> int:
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


class _Api:
    """The HTTP API in-process: requests go through the gateway's WSGI app (JWT check, event,
    function, response) without a socket, with each demo user's ID token."""

    def __init__(self, gateway: Any, api_url: str, tokens: dict[str, str]) -> None:
        self.tokens = tokens
        self.http = httpx.Client(
            transport=httpx.WSGITransport(app=gateway), base_url=api_url, timeout=60.0, trust_env=False
        )

    def __call__(
        self, user: str, method: str, path: str, *, key: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.http.request(method, path, headers=headers, **kwargs)

    def close(self) -> None:
        self.http.close()


@contextlib.contextmanager
def _quiet_replay() -> Iterator[Callable[[], None]]:
    """A thousand requests and BPJS messages in half a minute: their INFO lines (the gateway's
    access log, the functions' and the pollers' logs) stay out of the console while the history
    is replayed; warnings and errors still show. No CloudWatch metrics either (EMF lines): they
    would carry today's timestamps for events of past months. Powertools prints a metric set
    once it holds 100 values even when disabled, so the caller drops the set after each event
    (the function yielded). The BPJS simulator is another process: its request lines still show."""
    targets: list[Any] = [logging.getLogger("local.gateway.access"), logging.getLogger("local.pollers.sqs")]
    observability = sys.modules.get("sutasoma.runtime.observability")
    if observability is not None and hasattr(observability, "logger"):
        targets.append(observability.logger)  # Powertools' Logger: setLevel and log_level
    metrics = getattr(observability, "metrics", None)
    levels = [target.level if isinstance(target, logging.Logger) else target.log_level for target in targets]
    metrics_disabled = os.environ.get("POWERTOOLS_METRICS_DISABLED")

    def drop_metrics() -> None:
        if metrics is not None:
            metrics.metric_set.clear()

    try:
        for target in targets:
            target.setLevel(logging.WARNING)
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # read by Powertools at each flush
        with warnings.catch_warnings():  # nor its warning that an invocation had no metric
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            yield drop_metrics
    finally:
        drop_metrics()
        for target, level in zip(targets, levels, strict=True):
            target.setLevel(level)
        if metrics_disabled is None:
            os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
        else:
            os.environ["POWERTOOLS_METRICS_DISABLED"] = metrics_disabled


def seed_history(
    gateway: Any,
    api_url: str,
    idp: Any,
    client_id: str,
    users: list[DemoUser],
    soppeng: Sequence[Kecamatan],
    *,
    schedules: Sequence[tuple[Any, Any]] = (),
    claims: bool = True,
    now: datetime | None = None,
    farmers_per_kecamatan: tuple[int, ...] = HISTORY_FARMERS,
) -> HistoryReport:
    """Replay HISTORY_MONTHS months through the API, in time order, the business clock at each
    event's moment. `schedules`: (ScheduleSpec, function) pairs whose cron fires in the history
    are fired at their time, as the scheduler would have (the 5th-of-month report). `claims`:
    False when BPJS cannot confirm registrations (no simulator or no pollers): no claims then."""
    from local.functions import new_lambda_request_id
    from local.scheduler.schedules import schedule_event

    started = time.monotonic()
    now = now or datetime.now(UTC)
    months, farmers, events = plan_history(soppeng, now, farmers_per_kecamatan)
    report = HistoryReport(months=months)
    seq = itertools.count(len(events))
    end = now.astimezone(WITA).replace(hour=0, minute=0, second=0, microsecond=0)
    for spec, _function in schedules:
        if not spec.expression.startswith("cron("):
            continue  # rate() schedules (the outbox sweeper) have nothing to catch up
        # From the second month: a run in the first would report on the month before the history.
        fire = spec.parsed().next_after(_month_start(months[1]))
        while fire is not None and fire < end:
            events.append(_Event(fire, next(seq), "schedule", target=(spec, _function)))
            fire = spec.parsed().next_after(fire)
    heapq.heapify(events)
    passwords = {u.username: u.password for u in users}
    needed = {f.agent for f in farmers} | {f.coordinator for f in farmers}
    api = _Api(gateway, api_url, {name: id_token(idp, client_id, name, passwords[name]) for name in needed})
    uploads = httpx.Client(timeout=30.0, trust_env=False)  # presigned S3 URLs: moto on 127.0.0.1
    refused: Counter[str] = Counter()
    prices: dict[tuple[str, int], int] = {}  # (month, income) -> its line of a quote
    spent: defaultdict[str, float] = defaultdict(float)
    timed: str | None = None
    timed_from = 0.0

    def failed(what: str, response: httpx.Response) -> None:
        report.failed += 1
        # Status and stable code only: a response may echo personal data.
        log.warning(
            "history: %s -> %s %s%s",
            what,
            response.status_code,
            _problem_code(response) or "",
            _fields(response),
        )

    try:
        with BusinessClock() as clock, _quiet_replay() as drop_metrics:
            while events:
                event = heapq.heappop(events)
                drop_metrics()
                if timed is not None:
                    spent[timed] += time.monotonic() - timed_from
                timed, timed_from = event.kind, time.monotonic()
                clock.set(event.at)
                farmer = event.farmer
                if event.kind == "schedule":
                    spec, function = event.target
                    try:
                        result = function.invoke(schedule_event(spec, event.at), new_lambda_request_id())
                    except Exception:
                        report.failed += 1
                        log.exception("history: %s at %s failed", spec.key, event.at.isoformat())
                        continue
                    if isinstance(result, dict) and result.get("period"):
                        report.reports = sorted({*report.reports, str(result["period"])})
                    continue
                assert farmer is not None
                if event.kind == "register":
                    # The coordinator registers now and then; mostly the BPP's agent.
                    user = farmer.coordinator if farmer.rng.random() < 0.08 else farmer.agent
                    response = api(user, "POST", "/farmers", json=farmer.body)
                    if response.status_code != 201:
                        failed("POST /farmers", response)
                        continue
                    farmer.farmer_id = str(response.json()["farmer_id"])
                    report.farmers += 1
                elif event.kind == "visit" and farmer.farmer_id is not None:
                    months_paid = _months_to_pay(farmer, _period(event.at))
                    if months_paid < 0:
                        report.lapsed_visits += 1
                        continue
                    if months_paid == 0:
                        continue
                    _collect(api, farmer, event.at, months_paid, prices, report, refused)
                elif event.kind == "claim" and farmer.farmer_id is not None and farmer.claim is not None:
                    if not claims:
                        report.claims_skipped += 1
                        continue
                    claim_id = _file_claim(api, uploads, farmer, event.at, report, failed)
                    if claim_id and farmer.claim.documents:
                        verify_at = event.at + timedelta(days=1)
                        if verify_at < end:
                            heapq.heappush(events, _Event(verify_at, next(seq), "verify", farmer, claim_id))
                elif event.kind == "verify" and farmer.farmer_id is not None:
                    verified = api(farmer.coordinator, "POST", f"/claims/{event.target}/verify")
                    if verified.status_code == 200:
                        report.claims_verified += 1
                    else:
                        failed("POST /claims/{id}/verify", verified)
    finally:
        api.close()
        uploads.close()
    if timed is not None:
        spent[timed] += time.monotonic() - timed_from
    report.seconds_by_kind = {kind: round(seconds, 1) for kind, seconds in spent.items()}
    report.refused = dict(refused)
    report.rejected_by_bpjs = refused.get("FARMER_REJECTED", 0)
    report.seconds = time.monotonic() - started
    return report


def _collect(
    api: _Api,
    farmer: _Farmer,
    at: datetime,
    months: int,
    prices: dict[tuple[str, int], int],
    report: HistoryReport,
    refused: Counter[str],
) -> None:
    """The agent quotes `months` months and collects them. A quote is the sum of its months'
    lines, each set by the month and the income: once every month has been quoted at this
    income, the amount comes from those lines instead of another GET (the payment checks it
    anyway: AMOUNT_MISMATCH would answer the right amount)."""
    user = farmer.coordinator if farmer.rng.random() < 0.1 else farmer.agent
    path = f"/farmers/{farmer.farmer_id}/payments"
    income = int(farmer.body["monthly_income"])
    # Arrears first, then the months that follow; a first payment starts with this month.
    start = _period(at) if farmer.paid_through is None else add_months(farmer.paid_through, 1)
    lines = [prices.get((add_months(start, i), income)) for i in range(months)]
    if all(line is not None for line in lines):
        amount = sum(line for line in lines if line is not None)
    else:
        quote = api(user, "GET", f"{path}/quote", params={"months": months})
        if quote.status_code != 200:
            refused[_problem_code(quote) or str(quote.status_code)] += 1
            return
        for line in quote.json()["lines"]:
            prices[(str(line["period"]), income)] = int(line["amount"])
        amount = int(quote.json()["amount"])
    key = str(uuid.uuid5(_SEED_NAMESPACE, f"history/pay/{farmer.key}/{at.isoformat()}"))
    for attempt in range(4):
        paid = api(user, "POST", path, key=key, json={"months": months, "amount": amount})
        if paid.status_code == 201:
            farmer.paid_through = str(paid.json()["coverage"]["paid_through"])
            report.payments += 1
            report.collected += amount
            return
        code = _problem_code(paid)
        if code == "CONCURRENT_UPDATE" and attempt < 3:
            # BPJS's confirmation changed the farmer meanwhile (the clock runs fast here): as
            # the app does, ask again with the same key (a failed request records nothing).
            time.sleep(0.05)
            continue
        if code == "AMOUNT_MISMATCH" and attempt == 0:
            amount = int(paid.json()["expected_amount"])
            key = str(uuid.uuid5(_SEED_NAMESPACE, f"history/pay/{farmer.key}/{at.isoformat()}/again"))
            continue
        refused[code or str(paid.status_code)] += 1
        return


def _file_claim(
    api: _Api,
    uploads: httpx.Client,
    farmer: _Farmer,
    at: datetime,
    report: HistoryReport,
    failed: Callable[[str, httpx.Response], None],
) -> str | None:
    """File the farmer's claim (incident the day before), once BPJS has confirmed the farmer;
    upload its documents if the plan says so. The claim id, or None if it was not filed."""
    claim = farmer.claim
    assert claim is not None and farmer.farmer_id is not None
    incident = (at.astimezone(WITA) - timedelta(days=1)).date()
    if farmer.paid_through is None or farmer.paid_through < _period(at):
        report.claims_skipped += 1  # the month is not paid: the API would refuse (NOT_COVERED)
        return None
    # Registration is confirmed by BPJS through the queue and the simulator, in real time.
    deadline = time.monotonic() + CONFIRMATION_WAIT_S
    while True:
        status = api(farmer.agent, "GET", f"/farmers/{farmer.farmer_id}").json().get("registration_status")
        if status != "PENDING" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if status != "CONFIRMED":
        report.claims_skipped += 1
        log.warning("history: a claim not filed, its farmer is %s", status)
        return None
    spouse = next((h for h in farmer.body.get("heirs", []) if h.get("relationship") == "spouse"), None)
    if claim.type == "JKM":
        claimant = (
            {"full_name": spouse["full_name"], "relationship": "spouse", "phone": spouse["phone"]}
            if spouse
            else {"full_name": "Ahli Waris", "relationship": "child", "phone": "081200000000"}
        )
    else:
        claimant = {
            "full_name": farmer.body["full_name"],
            "relationship": "self",
            "phone": farmer.body["phone"],
        }
    body: dict[str, Any] = {
        "farmer_id": farmer.farmer_id,
        "type": claim.type,
        "incident_date": incident.isoformat(),
        "description": _CLAIM_TEXT[claim.outcome or "JKM"],
        "claimant": {
            **claimant,
            "bank_name": "BRI",
            "bank_account": f"0123{farmer.rng.randint(0, 10**11):011d}",
        },
    }
    if claim.outcome:
        body["outcome"] = claim.outcome
    key = str(uuid.uuid5(_SEED_NAMESPACE, f"history/claim/{farmer.key}"))
    filed = api(farmer.agent, "POST", "/claims", key=key, json=body)
    if filed.status_code != 201:
        failed("POST /claims", filed)
        return None
    report.claims += 1
    if claim.type == "JKM":
        farmer.dead = True  # no more visits
    claim_id = str(filed.json()["claim_id"])
    if claim.documents:
        for doc_type in filed.json()["required_documents"]:
            issued = api(
                farmer.agent, "POST", f"/claims/{claim_id}/documents",
                json={"doc_type": doc_type, "content_type": "application/pdf"},
            )  # fmt: skip
            if issued.status_code != 200:
                failed("POST /claims/{id}/documents", issued)
                return None
            put = uploads.put(
                issued.json()["upload_url"], content=_DOCUMENT, headers={"Content-Type": "application/pdf"}
            )
            if put.status_code != 200:
                failed("PUT (presigned S3 URL)", put)
                return None
    return claim_id
