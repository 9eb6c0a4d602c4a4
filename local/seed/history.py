"""Months of history (what `make run` seeds): the plan of local.seed.plan replayed through the API.

The last HISTORY_MONTHS months, in time order, with the business clock of the functions moved
back to each moment (local.seed.clock): registrations, monthly visits with payments, a few
claims, and the monthly report schedule on each 5th. Every counter is written by the real write
paths, so the reports of those months are what they would have been.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from local.seed.clock import BusinessClock
from local.seed.farmers import SEED_NAMESPACE, invalid_fields, problem_code
from local.seed.inprocess import InProcessApi, quiet_replay
from local.seed.plan import (
    HISTORY_FARMERS,
    Event,
    Farmer,
    HistoryReport,
    business_period,
    month_start,
    months_to_pay,
    plan_history,
)
from local.seed.users import DemoUser, id_token
from sutasoma.domain.clock import WITA
from sutasoma.domain.coverage import first_unpaid
from sutasoma.domain.periods import add_months
from sutasoma.domain.places import Kecamatan

log = logging.getLogger("local.seed")

CLAIM_TEXT = {
    "JKM": "Meninggal dunia karena sakit di rumah.",
    "treatment": "Terluka terkena sabit saat panen padi di sawah.",
    "temporary_disability": "Jatuh dari pematang sawah, kaki patah dan tidak dapat bekerja.",
}
# How long a claim waits for BPJS to confirm its farmer's registration (real seconds); also how
# long the rejected farmer's case waits for BPJS's answer and its refund.
CONFIRMATION_WAIT_S = 15.0
# The registration BPJS rejects after the agent collected: its decision comes by callback this
# long (real time) after BPJS answered 202, well after the payment made on the same visit.
REJECTION_DELAY_MS = 3000
ASYNC_REGISTRATION = "POST /bpu/v1/participants 202"
# A demo scan: a PDF header and more than the 1 KiB under which an upload is refused as nearly
# empty (sutasoma.domain.uploads).
DOCUMENT = b"%PDF-1.4\n" + b"% SUTASOMA demo scan\n" * 64 + b"%%EOF\n"
# Uploads are checked asynchronously (S3 -> EventBridge -> DocumentCheckFunction): a verification
# that finds a document not checked yet is tried again, this often, this far apart.
VERIFY_ATTEMPTS, VERIFY_PAUSE_S = 50, 0.1


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
    simulator_url: str | None = None,
) -> HistoryReport:
    """Replay HISTORY_MONTHS months through the API, in time order, the business clock at each
    event's moment. `schedules`: (ScheduleSpec, function) pairs whose cron fires in the history
    are fired at their time, as the scheduler would have (the 5th-of-month report). `claims`:
    False when BPJS cannot confirm registrations (no simulator or no pollers): no claims then.
    `simulator_url`: the BPJS simulator's control endpoints, for the registration BPJS rejects
    after the agent collected (plan.SHOWCASES); without it that case is left out."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    months, farmers, events = plan_history(soppeng, now, farmers_per_kecamatan)
    seq = itertools.count(len(events))
    end = now.astimezone(WITA).replace(hour=0, minute=0, second=0, microsecond=0)
    events += _schedule_events(schedules, month_start(months[1]), end, seq)
    passwords = {u.username: u.password for u in users}
    needed = {f.agent for f in farmers} | {f.coordinator for f in farmers}
    api = InProcessApi(
        gateway, api_url, {name: id_token(idp, client_id, name, passwords[name]) for name in needed}
    )
    replay = _Replay(
        api, HistoryReport(months=months), events, seq, end, claims, simulator_url if claims else None
    )
    try:
        replay.run()
    finally:
        replay.close()
    replay.report.seconds = time.monotonic() - started
    return replay.report


def _schedule_events(
    schedules: Sequence[tuple[Any, Any]], start: datetime, end: datetime, seq: Iterator[int]
) -> list[Event]:
    """The fires of the cron schedules in [start, end): from the history's second month, since a
    run in the first would report on the month before the history."""
    events = []
    for spec, function in schedules:
        if not spec.expression.startswith("cron("):
            continue  # rate() schedules (the outbox sweeper) have nothing to catch up
        fire = spec.parsed().next_after(start)
        while fire is not None and fire < end:
            events.append(Event(fire, next(seq), "schedule", target=(spec, function)))
            fire = spec.parsed().next_after(fire)
    return events


class _Replay:
    """Plays the events one at a time, in time order, the business clock at each one's moment."""

    def __init__(
        self,
        api: InProcessApi,
        report: HistoryReport,
        events: list[Event],
        seq: Iterator[int],
        end: datetime,
        claims: bool,
        simulator_url: str | None = None,
    ) -> None:
        self.api = api
        self.simulator = (
            httpx.Client(base_url=simulator_url, timeout=10.0, trust_env=False) if simulator_url else None
        )
        self.uploads = httpx.Client(timeout=30.0, trust_env=False)  # presigned S3 URLs: moto on 127.0.0.1
        self.report = report
        self.events = events
        heapq.heapify(self.events)
        self.seq = seq
        self.end = end
        self.claims = claims
        self.refused: Counter[str] = Counter()  # payments the API refused, by code
        self.prices: dict[tuple[str, int], int] = {}  # (month, income) -> its line of a quote
        self.spent: defaultdict[str, float] = defaultdict(float)  # seconds by kind of event

    def run(self) -> None:
        timed: str | None = None
        timed_from = 0.0
        with BusinessClock() as clock, quiet_replay() as drop_metrics:
            while self.events:
                event = heapq.heappop(self.events)
                drop_metrics()
                if timed is not None:
                    self.spent[timed] += time.monotonic() - timed_from
                timed, timed_from = event.kind, time.monotonic()
                clock.set(event.at)
                self.play(event)
        if timed is not None:
            self.spent[timed] += time.monotonic() - timed_from
        report = self.report
        report.seconds_by_kind = {kind: round(seconds, 1) for kind, seconds in self.spent.items()}
        report.refused = dict(self.refused)
        report.rejected_by_bpjs = self.refused.get("FARMER_REJECTED", 0)

    def close(self) -> None:
        self.api.close()
        self.uploads.close()
        if self.simulator is not None:
            self.simulator.close()

    def failed(self, what: str, response: httpx.Response) -> None:
        self.report.failed += 1
        # Status and stable code only: a response may echo personal data.
        log.warning(
            "history: %s -> %s %s%s",
            what,
            response.status_code,
            problem_code(response) or "",
            invalid_fields(response),
        )

    def play(self, event: Event) -> None:
        farmer = event.farmer
        if event.kind == "schedule":
            self._fire(event)
            return
        assert farmer is not None  # nosec B101 # - a local tool never run with -O; type narrowing
        if event.kind == "register":
            self._register(farmer, event.at)
        elif event.kind == "visit" and farmer.farmer_id is not None:
            self._visit(farmer, event.at)
        elif event.kind == "claim" and farmer.farmer_id is not None and farmer.claim is not None:
            self._claim(farmer, event.at)
        elif event.kind == "verify" and farmer.farmer_id is not None:
            self._verify(farmer, str(event.target))
        elif event.kind == "death" and farmer.farmer_id is not None:
            self._death(farmer, event.at)
        elif event.kind == "correct" and farmer.farmer_id is not None:
            self._correct(farmer)
        elif event.kind == "settle" and farmer.farmer_id is not None:
            self._settle(farmer)

    def _verify(self, farmer: Farmer, claim_id: str) -> None:
        for _ in range(VERIFY_ATTEMPTS):
            verified = self.api(farmer.coordinator, "POST", f"/claims/{claim_id}/verify")
            if problem_code(verified) != "DOCUMENTS_MISSING":
                break
            time.sleep(VERIFY_PAUSE_S)  # the uploads' checks are still on their way
        if verified.status_code == 200:
            self.report.claims_verified += 1
        else:
            self.failed("POST /claims/{id}/verify", verified)

    def _fire(self, event: Event) -> None:
        from local.functions import new_lambda_request_id
        from local.scheduler.schedules import schedule_event

        spec, function = event.target
        try:
            result = function.invoke(schedule_event(spec, event.at), new_lambda_request_id())
        except Exception:
            self.report.failed += 1
            log.exception("history: %s at %s failed", spec.key, event.at.isoformat())
            return
        if isinstance(result, dict) and result.get("period"):
            self.report.reports = sorted({*self.report.reports, str(result["period"])})

    def _register(self, farmer: Farmer, at: datetime) -> None:
        if farmer.showcase == "rejected":
            self._register_rejected(farmer, at)
            return
        # The coordinator registers now and then; mostly the BPP's agent.
        user = farmer.coordinator if farmer.rng.random() < 0.08 else farmer.agent
        body = farmer.body if farmer.typo_name is None else {**farmer.body, "full_name": farmer.typo_name}
        response = self.api(user, "POST", "/farmers", json=body)
        if response.status_code != 201:
            self.failed("POST /farmers", response)
            return
        farmer.farmer_id = str(response.json()["farmer_id"])
        self.report.farmers += 1
        if farmer.showcase:
            self.report.showcase[farmer.showcase] = farmer.farmer_id

    def _register_rejected(self, farmer: Farmer, at: datetime) -> None:
        """The agent registers the farmer and collects two months on the same visit; BPJS, which
        takes its time with this NIK (202, decided by callback), then rejects it: everything
        collected is to give back. The simulator is told so for this one registration."""
        if self.simulator is None:
            return  # nobody to reject it: the case is left out
        before = self.simulator.get("/_sim/config").json()
        counts = self.simulator.get("/_sim/requests").json()["counts"]
        answered = counts.get(ASYNC_REGISTRATION, 0)
        switches = {
            "async_registration": True, "callback_delay_ms": REJECTION_DELAY_MS,
            "unknown_niks": [*before["unknown_niks"], farmer.body["nik"]],
        }  # fmt: skip
        self.simulator.post("/_sim/config", json=switches).raise_for_status()
        try:
            response = self.api(farmer.agent, "POST", "/farmers", json=farmer.body)
            if response.status_code != 201:
                self.failed("POST /farmers", response)
                return
            farmer.farmer_id = str(response.json()["farmer_id"])
            self.report.farmers += 1
            self.report.showcase["rejected"] = farmer.farmer_id
            self._collect(farmer, at, 2)
            deadline = time.monotonic() + CONFIRMATION_WAIT_S
            while time.monotonic() < deadline:  # BPJS answered this registration 202
                if (
                    self.simulator.get("/_sim/requests").json()["counts"].get(ASYNC_REGISTRATION, 0)
                    > answered
                ):
                    break
                time.sleep(0.05)
        finally:
            restore = {
                name: before[name] for name in ("async_registration", "callback_delay_ms", "unknown_niks")
            }
            self.simulator.post("/_sim/config", json=restore).raise_for_status()

    def _death(self, farmer: Farmer, at: datetime) -> None:
        """The family reports the death; it happened the day before."""
        day = (at.astimezone(WITA) - timedelta(days=1)).date().isoformat()
        key = str(uuid.uuid5(SEED_NAMESPACE, f"history/death/{farmer.key}"))
        body = {"date_of_death": day, "note": "Dilaporkan keluarga saat kunjungan"}
        died = self.api(farmer.agent, "POST", f"/farmers/{farmer.farmer_id}/death", key=key, json=body)
        if died.status_code != 200:
            self.failed("POST /farmers/{id}/death", died)
            return
        farmer.dead = True
        self.report.deaths += 1
        self.report.refunds_opened += len(self._refunds(farmer, "OPEN"))

    def _correct(self, farmer: Farmer) -> None:
        body = {
            "full_name": farmer.body["full_name"],
            "reason": "Salah ketik nama saat pendaftaran; dicocokkan dengan KTP",
        }
        corrected = self.api(
            farmer.coordinator, "POST", f"/farmers/{farmer.farmer_id}/corrections", json=body
        )
        if corrected.status_code != 200:
            self.failed("POST /farmers/{id}/corrections", corrected)
            return
        self.report.corrections += 1

    def _settle(self, farmer: Farmer) -> None:
        """The agent gives the money back and records to whom, once the refund case is there
        (BPJS's rejection comes by callback, in real time)."""
        deadline = time.monotonic() + CONFIRMATION_WAIT_S
        cases = self._refunds(farmer, "OPEN")
        while not cases and time.monotonic() < deadline:
            time.sleep(0.2)
            cases = self._refunds(farmer, "OPEN")
        if not cases:
            self.report.failed += 1
            log.warning("history: no refund case to settle for the rejected farmer")
            return
        self.report.refunds_opened += len(cases)
        for case in cases:
            key = str(uuid.uuid5(SEED_NAMESPACE, f"history/settle/{case['refund_id']}"))
            body = {"returned_to": f"{farmer.body['full_name']} (petani)"}
            settled = self.api(
                farmer.agent, "POST", f"/refunds/{case['refund_id']}/settle", key=key, json=body
            )
            if settled.status_code != 200:
                self.failed("POST /refunds/{id}/settle", settled)
                continue
            self.report.refunds_settled += 1

    def _refunds(self, farmer: Farmer, status: str) -> list[dict[str, Any]]:
        listed = self.api(farmer.agent, "GET", "/refunds", params={"status": status, "limit": 100})
        if listed.status_code != 200:
            self.failed("GET /refunds", listed)
            return []
        return [r for r in listed.json()["items"] if r["farmer_id"] == farmer.farmer_id]

    def _visit(self, farmer: Farmer, at: datetime) -> None:
        months_paid = months_to_pay(farmer, business_period(at))
        if months_paid < 0:
            self.report.lapsed_visits += 1
        elif months_paid > 0:
            self._collect(farmer, at, months_paid)

    def _claim(self, farmer: Farmer, at: datetime) -> None:
        assert farmer.claim is not None  # nosec B101 # - a local tool never run with -O; type narrowing
        if not self.claims:
            self.report.claims_skipped += 1
            return
        claim_id = self._file_claim(farmer, at)
        if claim_id and farmer.claim.documents:
            verify_at = at + timedelta(days=1)
            if verify_at < self.end:
                heapq.heappush(self.events, Event(verify_at, next(self.seq), "verify", farmer, claim_id))

    def _collect(self, farmer: Farmer, at: datetime, months: int) -> None:
        """The agent quotes `months` months and collects them. A quote is the sum of its months'
        lines, each set by the month and the income: once every month has been quoted at this
        income, the amount comes from those lines instead of another GET (the payment checks it
        anyway: AMOUNT_MISMATCH would answer the right amount)."""
        user = farmer.coordinator if farmer.rng.random() < 0.1 else farmer.agent
        path = f"/farmers/{farmer.farmer_id}/payments"
        amount = self._amount(user, farmer, at, months)
        if amount is None:
            return
        key = str(uuid.uuid5(SEED_NAMESPACE, f"history/pay/{farmer.key}/{at.isoformat()}"))
        first = first_unpaid(farmer.paid_through, at.astimezone(WITA).date())
        body = {"months": months, "amount": amount, "first_period": first}
        for attempt in range(4):
            paid = self.api(user, "POST", path, key=key, json=body)
            if paid.status_code == 201:
                farmer.paid_through = str(paid.json()["coverage"]["paid_through"])
                self.report.payments += 1
                self.report.collected += amount
                return
            code = problem_code(paid)
            if code == "CONCURRENT_UPDATE" and attempt < 3:
                # BPJS's confirmation changed the farmer meanwhile (the clock runs fast here): as
                # the app does, ask again with the same key (a failed request records nothing).
                time.sleep(0.05)
                continue
            if code == "AMOUNT_MISMATCH" and attempt == 0:
                amount = int(paid.json()["expected_amount"])
                key = str(uuid.uuid5(SEED_NAMESPACE, f"history/pay/{farmer.key}/{at.isoformat()}/again"))
                continue
            self.refused[code or str(paid.status_code)] += 1
            return

    def _amount(self, user: str, farmer: Farmer, at: datetime, months: int) -> int | None:
        """What `months` months cost the farmer now: from the quotes' lines seen so far, else a
        quote (None if the quote is refused)."""
        income = int(farmer.body["monthly_income"])
        # Arrears first, then the months that follow; a first payment starts with this month.
        start = business_period(at) if farmer.paid_through is None else add_months(farmer.paid_through, 1)
        lines = [self.prices.get((add_months(start, i), income)) for i in range(months)]
        if all(line is not None for line in lines):
            return sum(line for line in lines if line is not None)
        quote = self.api(
            user, "GET", f"/farmers/{farmer.farmer_id}/payments/quote", params={"months": months}
        )
        if quote.status_code != 200:
            self.refused[problem_code(quote) or str(quote.status_code)] += 1
            return None
        for line in quote.json()["lines"]:
            self.prices[(str(line["period"]), income)] = int(line["amount"])
        return int(quote.json()["amount"])

    def _file_claim(self, farmer: Farmer, at: datetime) -> str | None:
        """File the farmer's claim (its incident as planned), once BPJS has confirmed the farmer;
        upload its documents if the plan says so. The claim id, or None if it was not filed."""
        claim = farmer.claim
        assert claim is not None and farmer.farmer_id is not None  # nosec B101 # - a local tool never run with -O; type narrowing
        if farmer.paid_through is None or farmer.paid_through < business_period(at):
            self.report.claims_skipped += 1  # the month is not paid: the API would refuse (NOT_COVERED)
            return None
        status = self._registration_status(farmer)
        if status != "CONFIRMED":
            self.report.claims_skipped += 1
            log.warning("history: a claim not filed, its farmer is %s", status)
            return None
        key = str(uuid.uuid5(SEED_NAMESPACE, f"history/claim/{farmer.key}"))
        filed = self.api(farmer.agent, "POST", "/claims", key=key, json=_claim_body(farmer, claim.incident))
        if filed.status_code != 201:
            self.failed("POST /claims", filed)
            return None
        self.report.claims += 1
        if claim.type == "JKM":
            farmer.dead = True  # no more visits
        claim_id = str(filed.json()["claim_id"])
        if claim.documents and not self._upload_documents(
            farmer, claim_id, filed.json()["required_documents"]
        ):
            return None
        return claim_id

    def _registration_status(self, farmer: Farmer) -> Any:
        """The farmer's registration status once BPJS decided (through the queue and the
        simulator, in real time), or PENDING after CONFIRMATION_WAIT_S."""
        deadline = time.monotonic() + CONFIRMATION_WAIT_S
        while True:
            status = (
                self.api(farmer.agent, "GET", f"/farmers/{farmer.farmer_id}")
                .json()
                .get("registration_status")
            )
            if status != "PENDING" or time.monotonic() > deadline:
                return status
            time.sleep(0.2)

    def _upload_documents(self, farmer: Farmer, claim_id: str, doc_types: list[str]) -> bool:
        for doc_type in doc_types:
            issued = self.api(
                farmer.agent, "POST", f"/claims/{claim_id}/documents",
                json={"doc_type": doc_type, "content_type": "application/pdf"},
            )  # fmt: skip
            if issued.status_code != 200:
                self.failed("POST /claims/{id}/documents", issued)
                return False
            target = issued.json()
            posted = self.uploads.post(
                target["upload_url"],
                data=target["fields"],
                files={"file": ("scan.pdf", DOCUMENT, "application/pdf")},
            )
            if posted.status_code not in (200, 204):
                self.failed("POST (presigned S3 upload)", posted)
                return False
        return True


def _claim_body(farmer: Farmer, incident: date) -> dict[str, Any]:
    """The claim of the plan: JKM by the spouse (or a child), JKK by the farmer; paid to a bank
    account of the claimant."""
    claim = farmer.claim
    assert claim is not None  # nosec B101 # - a local tool never run with -O; type narrowing
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
        "description": CLAIM_TEXT[claim.outcome or "JKM"],
        "claimant": {
            **claimant,
            "bank_name": "BRI",
            "bank_account": f"0123{farmer.rng.randint(0, 10**11):011d}",
        },
    }
    if claim.outcome:
        body["outcome"] = claim.outcome
    return body
