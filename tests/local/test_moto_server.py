"""local.aws.server: moto's ThreadedMotoServer as the local stack runs it."""

from __future__ import annotations

from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from local.aws.server import RememberingDispatcher


def test_moto_keeps_a_boto3_clients_connection(moto: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """As werkzeug serves moto, each of these calls would open a connection of its own."""
    import urllib3.connection

    sqs = moto("sqs")
    url = sqs.create_queue(QueueName="keepalive-check")["QueueUrl"]
    connects: list[Any] = []
    create = urllib3.connection.connection.create_connection

    def counted(*args: Any, **kwargs: Any) -> Any:
        connects.append(args[0])
        return create(*args, **kwargs)

    monkeypatch.setattr(urllib3.connection.connection, "create_connection", counted)
    for n in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    depth = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "5"
    assert connects == []  # the six calls went over the connection create_queue opened


def test_the_dispatcher_remembers_moto_s_backend_for_each_host(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_s, ours = DomainDispatcherApplication(create_backend_app), RememberingDispatcher(create_backend_app)
    hosts = [
        "dynamodb",
        "sqs.ap-southeast-3.amazonaws.com",
        "s3.ap-southeast-3.amazonaws.com",
        "moto_api",
        None,
    ]
    assert [ours.get_backend_for_host(h) for h in hosts] == [moto_s.get_backend_for_host(h) for h in hosts]
    looked_up: list[Any] = []
    original = DomainDispatcherApplication.get_backend_for_host
    monkeypatch.setattr(
        DomainDispatcherApplication,
        "get_backend_for_host",
        lambda self, host: looked_up.append(host) or original(self, host),
    )
    assert [ours.get_backend_for_host(h) for h in hosts] == ["dynamodb", "sqs", "s3", "moto_api", None]
    assert looked_up == []  # every answer from the first look-up
