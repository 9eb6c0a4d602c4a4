"""Objects landing in S3 reach the functions of the template's EventBridge rules, as in AWS:
only from buckets with EventBridge notifications on, only for rules whose pattern matches, as
"Object Created" events shaped as S3 sends them, invoked asynchronously with Lambda's retries and
OnFailure destination; on a real moto server, with a presigned POST as a browser sends it."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

import httpx
import pytest

from local.aws.storage import create_s3_bucket, create_sqs_queue
from local.eventbridge.bus import EventBus
from local.eventbridge.rules import AsyncInvokeConfig, EventRule, event_rules
from local.eventbridge.s3 import ObjectEvents, object_created_event
from local.pollers.stream_filters import FilterPatternError
from local.template.cfn_yaml import TemplateError
from local.template.specs import FunctionSpec
from tests.local.conftest import Moto

_names = itertools.count(1)


def s3_rule(bucket: str, prefix: str, function_id: str = "CheckFunction") -> EventRule:
    return EventRule.from_event(
        function_id,
        "Landed",
        {
            "Pattern": {
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": prefix}]}},
            }
        },
    )


class Recorder:
    """A function that keeps the events it gets; raises while `failures` is above zero."""

    def __init__(self, name: str = "check", failures: int = 0) -> None:
        self.name = name
        self.failures = failures
        self.events: list[dict[str, Any]] = []
        self.calls = 0
        self.lock = threading.Lock()

    def invoke(self, event: dict[str, Any], aws_request_id: str) -> Any:
        with self.lock:
            self.calls += 1
            if self.failures > 0:
                self.failures -= 1
                raise RuntimeError("the check failed")
            self.events.append(event)
        return None


# ---------------------------------------------------------------------------------- the rules


def test_an_s3_pattern_matches_objects_of_its_bucket_under_its_prefix() -> None:
    rule = s3_rule("uploads", "ktp/")
    assert rule.matches(object_created_event(bucket="uploads", key="ktp/01J/x.jpg", size=2048))
    assert not rule.matches(object_created_event(bucket="uploads", key="claims/01J/x.jpg", size=2048))
    assert not rule.matches(object_created_event(bucket="others", key="ktp/01J/x.jpg", size=2048))
    deleted = object_created_event(bucket="uploads", key="ktp/01J/x.jpg", size=0) | {
        "detail-type": "Object Deleted"
    }
    assert not rule.matches(deleted)


def test_a_disabled_rule_matches_nothing() -> None:
    rule = EventRule.from_event("F", "E", {"Pattern": {"source": ["aws.s3"]}, "State": "DISABLED"})
    assert not rule.matches(object_created_event(bucket="b", key="k", size=1))


@pytest.mark.parametrize(
    ("props", "error"),
    [
        ({"Pattern": {"source": [{"anything-but": ["aws.s3"]}]}}, FilterPatternError),
        ({"Pattern": {"source": "aws.s3"}}, FilterPatternError),
        ({"Pattern": {}}, FilterPatternError),
        ({"Pattern": '{"source": ["aws.s3"]', "State": "ENABLED"}, TemplateError),
        ({"Pattern": {"source": ["aws.s3"]}, "EventBusName": "imports"}, TemplateError),
        ({"Pattern": {"source": ["aws.s3"]}, "InputPath": "$.detail"}, TemplateError),
    ],
)
def test_what_the_local_bus_cannot_do_as_aws_stops_the_stack(props: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        EventRule.from_event("F", "E", props)


def test_rules_and_invoke_config_come_from_the_functions_events() -> None:
    spec = FunctionSpec(
        logical_id="CheckFunction", function_name="check", code_uri=__import__("pathlib").Path("."),
        handler="app.lambda_handler", timeout_s=10, memory_mb=128, environment={}, layer_dirs=(),
        log_group_name="/aws/lambda/check", routes=(), other_events={"Landed": "EventBridgeRule", "Q": "SQS"},
        event_properties={"Landed": {"Pattern": {"source": ["aws.s3"]}}, "Q": {}},
        event_invoke_config={
            "MaximumRetryAttempts": 1,
            "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": "arn:aws:sqs:r:1:dead"}},
        },
    )  # fmt: skip
    (rule,) = event_rules([spec])
    assert (rule.function_id, rule.event_name, rule.pattern) == (
        "CheckFunction",
        "Landed",
        {"source": ["aws.s3"]},
    )
    config = AsyncInvokeConfig.of(spec)
    assert (config.maximum_retry_attempts, config.on_failure_arn) == (1, "arn:aws:sqs:r:1:dead")
    assert AsyncInvokeConfig() == AsyncInvokeConfig(2, 21_600, None)  # Lambda's defaults


def test_the_event_is_shaped_as_s3_sends_it_to_eventbridge() -> None:
    event = object_created_event(
        bucket="b", key="ktp/a b+c.jpg", size=5, etag="e", version_id="v", reason="POST Object"
    )
    assert event["source"] == "aws.s3" and event["detail-type"] == "Object Created"
    assert event["resources"] == ["arn:aws:s3:::b"]
    detail = event["detail"]
    assert detail["object"] == {"key": "ktp/a b+c.jpg", "size": 5, "etag": "e", "version-id": "v",
                                "sequencer": detail["object"]["sequencer"]}  # fmt: skip
    assert detail["reason"] == "POST Object" and detail["bucket"] == {"name": "b"}


# ---------------------------------------------------------------------------------- on moto


@pytest.fixture
def buckets(moto: Moto) -> dict[str, str]:
    """A bucket sending to EventBridge and one that does not, named for this test."""
    n = next(_names)
    on = create_s3_bucket(
        moto.clients, f"On{n}",
        {"BucketName": f"landing-on-{n}",
         "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
         "VersioningConfiguration": {"Status": "Enabled"}},
    )  # fmt: skip
    off = create_s3_bucket(moto.clients, f"Off{n}", {"BucketName": f"landing-off-{n}"})
    return {"on": str(on.ref), "off": str(off.ref)}


def post_file(moto: Moto, bucket: str, key: str, content: bytes) -> None:
    """A presigned POST, sent as a browser sends it (multipart form: the fields, then the file)."""
    post = moto("s3").generate_presigned_post(Bucket=bucket, Key=key, ExpiresIn=60)
    sent = httpx.post(post["url"], data=post["fields"], files={"file": ("f.jpg", content, "image/jpeg")})
    assert sent.status_code in (200, 204), sent.text


def test_an_object_posted_to_a_bucket_sending_to_eventbridge_reaches_the_rule(
    moto: Moto, buckets: dict[str, str]
) -> None:
    check = Recorder()
    bus = EventBus(
        [s3_rule(buckets["on"], "ktp/"), s3_rule(buckets["off"], "ktp/")], {"CheckFunction": check}
    )
    listener = ObjectEvents(bus.start()).start()
    try:
        post_file(moto, buckets["on"], "ktp/01JFARMER/01JFILE.jpg", b"\xff\xd8\xff" + b"x" * 2000)
        post_file(moto, buckets["on"], "claims/01JCLAIM/kpj_card/01JFILE.jpg", b"x" * 10)  # not the prefix
        post_file(moto, buckets["off"], "ktp/01JFARMER/01JOTHER.jpg", b"x" * 10)  # EventBridge off
        moto("s3").put_object(Bucket=buckets["on"], Key="ktp/01JFARMER/01JPUT.pdf", Body=b"%PDF-1.7")
        assert bus.wait_idle(10)
    finally:
        listener.stop()
        bus.stop()
    posted, put = check.events
    assert posted["detail"]["bucket"] == {"name": buckets["on"]}
    assert posted["detail"]["object"]["key"] == "ktp/01JFARMER/01JFILE.jpg"
    assert posted["detail"]["object"]["size"] == 2003
    assert posted["detail"]["reason"] == "POST Object" and put["detail"]["reason"] == "PutObject"
    head = moto("s3").head_object(Bucket=buckets["on"], Key="ktp/01JFARMER/01JFILE.jpg")
    assert posted["detail"]["object"]["version-id"] == head["VersionId"]
    assert posted["detail"]["object"]["etag"] == head["ETag"].strip('"')
    assert bus.stats.put == 3  # every object of the bucket sending to EventBridge, matched or not


def test_a_failing_function_is_retried_then_the_event_goes_to_the_on_failure_queue(
    moto: Moto, buckets: dict[str, str]
) -> None:
    queue = create_sqs_queue(moto.clients, "Dead", {"QueueName": f"landing-dead-{next(_names)}"})
    url, arn = str(queue.ref), str(queue.attrs["Arn"])
    always, once = Recorder(failures=99), Recorder(name="flaky", failures=1)
    bus = EventBus(
        [s3_rule(buckets["on"], "ktp/", "Always"), s3_rule(buckets["on"], "ktp/", "Once")],
        {"Always": always, "Once": once},
        {"Always": AsyncInvokeConfig(maximum_retry_attempts=2, on_failure_arn=arn)},
        sqs=moto("sqs"), queue_urls={arn: url}, retry_delay_s=0.01,
    )  # fmt: skip
    listener = ObjectEvents(bus.start()).start()
    try:
        post_file(moto, buckets["on"], "ktp/01JFARMER/01JFILE.jpg", b"x" * 2000)
        assert bus.wait_idle(10)
    finally:
        listener.stop()
        bus.stop()
    assert always.calls == 3 and not always.events  # the first attempt and Lambda's 2 retries
    assert once.calls == 2 and len(once.events) == 1  # a retry that succeeds
    assert bus.stats.given_up == {"Always.Landed": 1}
    (message,) = moto("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(":function:check:$LATEST")
    assert record["requestPayload"]["detail"]["object"]["key"] == "ktp/01JFARMER/01JFILE.jpg"


def test_a_stopped_listener_hears_nothing_more(moto: Moto, buckets: dict[str, str]) -> None:
    check = Recorder()
    bus = EventBus([s3_rule(buckets["on"], "")], {"CheckFunction": check}).start()
    listener = ObjectEvents(bus).start()
    listener.stop()
    try:
        moto("s3").put_object(Bucket=buckets["on"], Key="ktp/x", Body=b"x")
        assert bus.wait_idle(5)
    finally:
        bus.stop()
    assert not check.events and listener.sent == 0
