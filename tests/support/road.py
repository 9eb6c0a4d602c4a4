"""The BPJS road in-process: moto resources, the BPJS simulator, and the functions between
them, with a stand-in for the SQS event source that can fast-forward backoff."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from local.bpjs.app import SimulatorServer, serve
from local.bpjs.config import Credentials, SimConfig
from local.bpjs.signing import callback_signature
from local.bpjs.simulator import Simulator
from local.pollers.sqs import build_sqs_event, settle
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body, make_nik
from tests.support.stack import FunctionInvoker, MotoStack

AGENT = claims_for("agent", "73.12.04", username="agen.lalabata")
MAX_RECEIVES = 12  # template.yaml: the queue's redrive policy


@dataclass
class Bpjs:
    server: SimulatorServer
    callback_secret: str

    @property
    def sim(self) -> Simulator:
        return self.server.simulator

    def configure(self, **switches: Any) -> None:
        self.sim.configure(switches)

    def answered(self, route: str) -> list[dict[str, Any]]:
        """Requests on `route` that BPJS acted on (not replays, not failures), in order."""
        return [
            r
            for r in self.sim.request_log()["requests"]
            if r["route"] == route and r["status"] < 500 and r["status"] != 401 and not r["replayed"]
        ]


@dataclass
class Road:
    stack: MotoStack
    bpjs: Bpjs
    register: FunctionInvoker
    sync: FunctionInvoker
    sweeper: FunctionInvoker
    redrive: FunctionInvoker
    callback: FunctionInvoker
    pay: FunctionInvoker
    claim: FunctionInvoker

    @property
    def queue_url(self) -> str:
        return self.stack.ref("BpjsOutboundQueue")

    @property
    def dlq_url(self) -> str:
        return self.stack.ref("BpjsOutboundDlq")

    def pump(self, rounds: int = 50) -> tuple[int, int]:
        """Play the SQS event source: receive, invoke, delete what succeeded. Failed messages are
        made visible again at once (their backoff is skipped). Returns (done, failed)."""
        sqs = self.stack.clients("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        done = failed = 0
        for _ in range(rounds):
            messages = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=180
            ).get("Messages", [])
            if not messages:
                break
            result = self.sync.raw(build_sqs_event(messages, arn, "ap-southeast-3"))
            settlement = settle(result, [m["MessageId"] for m in messages], report_batch_item_failures=True)
            for message in messages:
                if message["MessageId"] in settlement.delete:
                    sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                    done += 1
                else:
                    sqs.change_message_visibility(
                        QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                    failed += 1
        return done, failed

    def audit_trail(self, subject_id: str) -> list[dict[str, Any]]:
        """A farmer's or claim's audit records, as stored in the domain table."""
        from sutasoma.adapters.dynamo import keys
        from sutasoma.adapters.dynamo.codec import to_dynamo

        return self.stack.table().query_all(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues=to_dynamo({":pk": keys.audit_trail(subject_id)}),
            ConsistentRead=True,
        )

    def calm(self) -> None:
        """Between tests: BPJS back to normal, its callbacks going nowhere unless a test says so,
        and nothing left in the queue from an earlier test."""
        self.bpjs.sim.reset()
        self.bpjs.sim.deliver = lambda url, body, headers: 599
        self.pump()
        # What the earlier test left in the queue has reached BPJS by now: forget those requests too,
        # or a test counting what BPJS answered counts another test's farmers (seen once in CI order).
        self.bpjs.sim.reset()
        self.bpjs.sim.deliver = lambda url, body, headers: 599

    def depth(self, url: str) -> int:
        attributes = self.stack.clients("sqs").get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def new_farmer(self, serial: int, **overrides: Any) -> dict[str, Any]:
        birth = date(1984, 6, 1 + serial % 28)
        body = farmer_body(nik=make_nik(birth, "M", serial=serial), birth=birth, sex="M", **overrides)
        result = self.register(http_event("POST", "/farmers", body=body, claims=AGENT))
        assert result.status == 201, result.body
        farmer: dict[str, Any] = result.body
        return farmer

    def farmer(self, farmer_id: str) -> dict[str, Any]:
        result = self.register(
            http_event("GET", "/farmers/{farmer_id}", path_params={"farmer_id": farmer_id}, claims=AGENT)
        )
        assert result.status == 200
        body: dict[str, Any] = result.body
        return body

    def arrange(self, farmer_id: str, **fields: Any) -> None:
        """Test arrangement: a stored farmer's fields set directly (None removes one), as months
        or BPJS would have left them; nothing counted, nothing audited."""
        from sutasoma.adapters.dynamo import keys
        from sutasoma.adapters.dynamo.codec import update_expression

        assign = {name: value for name, value in fields.items() if value is not None}
        remove = tuple(name for name, value in fields.items() if value is None)
        expression, names, values = update_expression(assign, remove)
        self.stack.table().update(keys.farmer(farmer_id), expression, names, values)

    def first_unpaid(self, farmer_id: str) -> str:
        """The month a payment for this farmer starts with now (a quote's first_period), read
        from the stored record: no audited NIK read, nothing counted."""
        from sutasoma.domain.clock import today_wita
        from sutasoma.domain.coverage import first_unpaid

        farmer = self.stack.storage().farmers.get(farmer_id)
        assert farmer is not None
        return first_unpaid(farmer.paid_through, today_wita())

    def patch(self, farmer_id: str, **changes: Any) -> None:
        result = self.register(
            http_event(
                "PATCH",
                "/farmers/{farmer_id}",
                path_params={"farmer_id": farmer_id},
                body=changes,
                claims=AGENT,
            )
        )
        assert result.status == 200, result.body

    def send_callback(self, body: dict[str, Any], *, age: int = 0, secret: str | None = None) -> Any:
        raw = json.dumps(body)
        timestamp = str(int(time.time()) - age)
        signature = callback_signature(secret or self.bpjs.callback_secret, timestamp, raw.encode())
        headers = {"X-Bpjs-Timestamp": timestamp, "X-Bpjs-Signature": signature}
        return self.callback(http_event("POST", "/bpjs/callbacks", raw_body=raw, headers=headers))


TEST_BPJS_RATE_LIMIT = 1000


def open_road(moto_stack: MotoStack) -> Iterator[Road]:
    moto_stack.reset()
    secrets = moto_stack.clients("secretsmanager")
    credentials = json.loads(
        secrets.get_secret_value(SecretId=moto_stack.ref("BpjsCredentialsSecret"))["SecretString"]
    )
    callback_secret = secrets.get_secret_value(SecretId=moto_stack.ref("BpjsCallbackSecret"))["SecretString"]
    simulator = Simulator(
        Credentials(credentials["cons_id"], credentials["secret_key"], callback_secret), SimConfig()
    )
    server = serve(simulator)
    # This simulator has no rate limit, and the template's (20 calls/s shared by 2 consumers) would
    # space one consumer's BPJS calls 100 ms apart: a test pumping an import's 240 look-ups would
    # wait 24 s. The pacer itself is tested in tests/unit/test_bpjs_batch.py, the template's
    # default limit through the handler in tests/integration/test_bpjs_concurrency.py and by
    # `make bench`.
    moto_stack.env_overrides.update(
        BPJS_BASE_URL=server.url, OUTBOX_GRACE_SECONDS="0", BPJS_RATE_LIMIT=str(TEST_BPJS_RATE_LIMIT)
    )
    road = Road(
        moto_stack,
        Bpjs(server, callback_secret),
        *(
            FunctionInvoker(moto_stack, name)
            for name in (
                "RegisterFunction",
                "BpjsSyncFunction",
                "OutboxSweeperFunction",
                "DlqRedriveFunction",
                "BpjsCallbackFunction",
                "PayFunction",
                "ClaimFunction",
            )
        ),
    )
    yield road
    moto_stack.env_overrides.clear()
    server.stop()


def file_claim(road: Road, body: Any, claims: dict[str, str] = AGENT, **kw: Any) -> Any:
    return road.claim(http_event("POST", "/claims", body=body, claims=claims, **kw))


def get_claim(road: Road, claim_id: str, claims: dict[str, str] = AGENT) -> Any:
    return road.claim(
        http_event("GET", "/claims/{claim_id}", path_params={"claim_id": claim_id}, claims=claims)
    )


def pay_one_month(road: Road, farmer_id: str) -> Any:
    """The agent quotes one month and pays it (a fresh Idempotency-Key): the payment's result."""
    quote = road.pay(
        http_event(
            "GET", "/farmers/{farmer_id}/payments/quote", path_params={"farmer_id": farmer_id}, claims=AGENT
        )
    )
    return road.pay(
        http_event(
            "POST", "/farmers/{farmer_id}/payments", path_params={"farmer_id": farmer_id}, claims=AGENT,
            body={"months": 1, "amount": quote.body["amount"], "first_period": quote.body["first_period"]},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    )  # fmt: skip
