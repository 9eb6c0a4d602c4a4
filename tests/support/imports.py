"""Member imports on moto: the three import functions beside the BPJS road, the upload a client
makes (the presigned POST, to moto's S3), the "object landed" event the bucket sends, and a
stand-in for the chunk queue's event source (tests/support/road.py pumps the BPJS queue)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from local.pollers.sqs import build_sqs_event, settle
from local.seed.users import create_demo_users, demo_users, soppeng_kecamatan
from tests.support.events import claims_for, http_event
from tests.support.road import Road
from tests.support.stack import FunctionInvoker, HttpResult

ADMIN = claims_for("admin", username="admin")


def s3_created_event(bucket: str, key: str) -> dict[str, Any]:
    """The bucket's notification of a new object, as S3 sends it to Lambda."""
    return {
        "Records": [
            {
                "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "ap-southeast-3",
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": bucket}, "object": {"key": key.replace(" ", "+")}},
            }
        ]
    }  # fmt: skip


@dataclass
class Imports:
    road: Road
    http: FunctionInvoker
    validate_fn: FunctionInvoker
    chunk_fn: FunctionInvoker

    @property
    def bucket(self) -> str:
        return self.road.stack.ref("ImportsBucket")

    def open(self, filename: str = "anggota.csv", claims: dict[str, str] = ADMIN, **kw: Any) -> HttpResult:
        return self.http(
            http_event(
                "POST", "/imports", body={"kind": "members", "filename": filename}, claims=claims, **kw
            )
        )

    def upload(self, started: dict[str, Any], body: bytes) -> httpx.Response:
        """What a client does with the presigned POST: the fields, then the file."""
        form = started["upload"]
        with httpx.Client(trust_env=False, timeout=60) as client:
            return client.post(form["upload_url"], data=form["fields"], files={"file": ("berkas", body)})

    def validate(self, import_id: str, file_type: str = "csv") -> dict[str, Any]:
        """The bucket's event for the uploaded file, handed to the validating function."""
        event = s3_created_event(self.bucket, f"uploads/{import_id}.{file_type}")
        result: dict[str, Any] = self.validate_fn.raw(event)
        return result

    def status(self, import_id: str, claims: dict[str, str] = ADMIN) -> HttpResult:
        return self.http(
            http_event("GET", "/imports/{import_id}", path_params={"import_id": import_id}, claims=claims)
        )

    def commit(self, import_id: str, claims: dict[str, str] = ADMIN) -> HttpResult:
        return self.http(
            http_event(
                "POST", "/imports/{import_id}/commit", path_params={"import_id": import_id}, claims=claims
            )
        )

    def run(self, body: bytes, filename: str = "anggota.csv") -> tuple[str, dict[str, Any]]:
        """Open, upload, check: the import id and its status."""
        opened = self.open(filename)
        assert opened.status == 201, opened.body
        import_id = opened.body["import_id"]
        assert self.upload(opened.body, body).status_code in (200, 204)
        self.validate(import_id, filename.rsplit(".", 1)[-1].lower())
        return import_id, self.status(import_id).body

    def pump_chunks(self, rounds: int = 500, queue: str = "ImportChunkQueue") -> tuple[int, int]:
        """Play the chunk queue's event source (one message a batch, as BatchSize 1): returns
        (done, failed); failed messages are made visible again at once."""
        sqs = self.road.stack.clients("sqs")
        url = self.road.stack.ref(queue)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        done = failed = 0
        for _ in range(rounds):
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"]).get(
                "Messages", []
            )
            if not messages:
                break
            result = self.chunk_fn.raw(build_sqs_event(messages, arn, "ap-southeast-3"))
            settlement = settle(result, [m["MessageId"] for m in messages], report_batch_item_failures=True)
            for message in messages:
                if message["MessageId"] in settlement.delete:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    done += 1
                else:
                    sqs.change_message_visibility(
                        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                    failed += 1
        return done, failed


def open_imports(road: Road) -> Imports:
    stack = road.stack
    idp = stack.clients("cognito-idp")
    create_demo_users(idp, stack.ref("UserPool"), demo_users(soppeng_kecamatan()))
    return Imports(
        road,
        FunctionInvoker(stack, "ImportsFunction"),
        FunctionInvoker(stack, "ImportValidateFunction"),
        FunctionInvoker(stack, "ImportChunkFunction"),
    )
