"""SNS topics and subscriptions and CloudWatch alarms of the template, created in moto (which
never sends a notification nor evaluates an alarm)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from local.aws.properties import attribute_str, tags_dict, warn_unapplied
from local.aws.server import Clients
from local.template.specs import Physical, physical_name

log = logging.getLogger("local.aws")


_SNS_TOPIC_ATTRIBUTES = (
    "DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication", "SignatureVersion",
    "TracingConfig", "ArchivePolicy", "FifoThroughputScope",
)  # fmt: skip


def create_sns_topic(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    sns = clients("sns")
    fifo = str(props.get("FifoTopic", "false")).lower() == "true"
    name = props.get("TopicName") or physical_name(logical_id) + (".fifo" if fifo else "")
    attributes = {k: attribute_str(props[k]) for k in _SNS_TOPIC_ATTRIBUTES if k in props}
    kwargs: dict[str, Any] = {"Name": name, "Attributes": attributes}
    if props.get("Tags"):
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags_dict(props["Tags"]).items()]
    arn = sns.create_topic(**kwargs)["TopicArn"]
    for inline in props.get("Subscription") or []:
        _subscribe(sns, logical_id, arn, inline["Protocol"], inline["Endpoint"], {})
    warn_unapplied(
        logical_id, props, {*_SNS_TOPIC_ATTRIBUTES, "TopicName", "Tags", "Subscription"},
        # Nothing publishes locally: delivery logging and data protection have nothing to act on.
        {"DeliveryStatusLogging", "DataProtectionPolicy"},
    )  # fmt: skip
    return Physical(ref=arn, attrs={"TopicArn": arn, "TopicName": name})


# Protocols whose endpoint moto would call on a publish: not created, since a local stack
# contacts nothing but 127.0.0.1 (and nothing publishes locally anyway).
_SNS_REMOTE_PROTOCOLS = frozenset({"http", "https", "lambda", "firehose", "application"})

_SNS_SUBSCRIPTION_ATTRIBUTES = (
    "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
    "SubscriptionRoleArn", "ReplayPolicy",
)  # fmt: skip


def _subscribe(
    sns: Any, logical_id: str, topic_arn: str, protocol: str, endpoint: str, attributes: dict[str, str]
) -> str | None:
    if protocol.lower() in _SNS_REMOTE_PROTOCOLS:
        log.warning(
            "%s: %s subscription not created locally (it would call its endpoint)", logical_id, protocol
        )
        return None
    result = sns.subscribe(
        TopicArn=topic_arn,
        Protocol=protocol,
        Endpoint=endpoint,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    return str(result["SubscriptionArn"])


def create_sns_subscription(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    """An email (or SMS, SQS) subscription is recorded in moto: moto sends no mail."""
    sns = clients("sns")
    attributes = {k: attribute_str(props[k]) for k in _SNS_SUBSCRIPTION_ATTRIBUTES if k in props}
    arn = _subscribe(sns, logical_id, props["TopicArn"], props["Protocol"], props["Endpoint"], attributes)
    warn_unapplied(
        logical_id,
        props,
        {*_SNS_SUBSCRIPTION_ATTRIBUTES, "TopicArn", "Protocol", "Endpoint"},
        {"Region"},  # one region locally
    )
    return Physical(ref=arn or f"{props['TopicArn']}:not-subscribed-locally")


# CloudFormation property -> PutMetricAlarm parameter: the same names, these types.
_ALARM_PARAMETERS: dict[str, Callable[[Any], Any]] = {
    "AlarmDescription": str, "ActionsEnabled": lambda v: str(v).lower() == "true",
    "OKActions": list, "AlarmActions": list, "InsufficientDataActions": list,
    "MetricName": str, "Namespace": str, "Statistic": str, "ExtendedStatistic": str,
    "Dimensions": list, "Period": int, "Unit": str, "EvaluationPeriods": int,
    "DatapointsToAlarm": int, "Threshold": float, "ComparisonOperator": str,
    "TreatMissingData": str, "EvaluateLowSampleCountPercentile": str, "Metrics": list,
    "ThresholdMetricId": str,
}  # fmt: skip


def create_cloudwatch_alarm(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    """The alarm exists in moto (describe_alarms shows it); moto never evaluates it, so it
    stays in its initial state and its actions never run."""
    cloudwatch = clients("cloudwatch")
    name = props.get("AlarmName") or physical_name(logical_id)
    kwargs: dict[str, Any] = {"AlarmName": name}
    for key, convert in _ALARM_PARAMETERS.items():
        if key in props:
            kwargs[key] = convert(props[key])
    if props.get("Tags"):
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags_dict(props["Tags"]).items()]
    cloudwatch.put_metric_alarm(**kwargs)
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    warn_unapplied(logical_id, props, {*_ALARM_PARAMETERS, "AlarmName", "Tags"}, set())
    return Physical(ref=name, attrs={"Arn": alarm["AlarmArn"]})
