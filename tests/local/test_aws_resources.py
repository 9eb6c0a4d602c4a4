"""Resources of the real template in a real moto: the alarm topic, its conditional e-mail
subscription, the DLQ alarm, and the JSON secret of the BPJS credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.aws.resources import Created, create_resources
from local.aws.server import Clients, start_moto
from local.template.template import Template

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[Template, Created, Clients]]:
    # moto's backends belong to the process, not to a server: the integration tests' moto (same
    # session) already holds the template's resources. Start empty, and leave empty.
    server, url = start_moto(0)
    httpx.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
    try:
        clients = Clients(url)
        template = Template(
            REPO_ROOT / "template.yaml", parameter_overrides={"AlarmEmail": "ops@example.org"}
        )
        yield template, create_resources(template, clients), clients
    finally:
        httpx.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
        server.stop()


def test_the_alarm_topic_exists_with_its_attributes(stack: tuple[Template, Created, Clients]) -> None:
    _, created, clients = stack
    sns = clients("sns")
    arn = created.physical["AlarmTopic"].ref
    assert arn == created.physical["AlarmTopic"].attrs["TopicArn"]
    assert arn in {t["TopicArn"] for t in sns.list_topics()["Topics"]}
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["KmsMasterKeyId"] == "alias/aws/sns"


def test_the_email_subscription_follows_its_condition(stack: tuple[Template, Created, Clients]) -> None:
    _, created, clients = stack
    subscriptions = clients("sns").list_subscriptions_by_topic(TopicArn=created.physical["AlarmTopic"].ref)
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions["Subscriptions"]] == [
        ("email", "ops@example.org")
    ]
    assert (
        "AlarmEmailSubscription" not in Template(REPO_ROOT / "template.yaml").resources()
    )  # no e-mail, none


def test_the_dlq_alarm_exists_on_the_dlq_and_notifies_the_topic(
    stack: tuple[Template, Created, Clients],
) -> None:
    _, created, clients = stack
    name = created.physical["BpjsDlqNotEmptyAlarm"].ref
    (alarm,) = clients("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    topic = created.physical["AlarmTopic"].ref
    assert alarm["AlarmArn"] == created.physical["BpjsDlqNotEmptyAlarm"].attrs["Arn"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum",
    )  # fmt: skip
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": created.physical["BpjsOutboundDlq"].attrs["QueueName"]}
    ]
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["EvaluationPeriods"], alarm["Period"]) == (
        0.0, "GreaterThanThreshold", 1, 60,
    )  # fmt: skip
    assert alarm["AlarmActions"] == [topic] and alarm["OKActions"] == [topic]
    assert alarm["TreatMissingData"] == "notBreaching"


def test_bpjs_credentials_are_the_template_json_with_the_generated_key(
    stack: tuple[Template, Created, Clients],
) -> None:
    _, created, clients = stack
    sm = clients("secretsmanager")
    credentials = json.loads(
        sm.get_secret_value(SecretId=created.physical["BpjsCredentialsSecret"].ref)["SecretString"]
    )
    assert set(credentials) == {"cons_id", "secret_key"}
    assert credentials["cons_id"] == "sutasoma-soppeng"
    assert len(credentials["secret_key"]) == 48 and credentials["secret_key"].isalnum()
    callback = sm.get_secret_value(SecretId=created.physical["BpjsCallbackSecret"].ref)["SecretString"]
    assert len(callback) == 48 and callback.isalnum()


def test_subscriptions_that_would_call_out_are_not_created(tmp_path: Path, stack: Any) -> None:
    _, _, clients = stack
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: outward}}\n"
        "  Hook:\n"
        "    Type: AWS::SNS::Subscription\n"
        "    Properties: {TopicArn: !Ref Topic, Protocol: https, Endpoint: 'https://hooks.example.org/x'}\n",
        encoding="utf-8",
    )
    created = create_resources(Template(path), clients)
    topic = created.physical["Topic"].ref
    assert clients("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    assert str(created.physical["Hook"].ref).endswith(":not-subscribed-locally")
