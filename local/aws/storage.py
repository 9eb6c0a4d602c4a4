"""DynamoDB tables, SQS queues and S3 buckets of the template, created in moto."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from local.aws.properties import tags_dict, warn_unapplied
from local.aws.server import Clients
from local.template.specs import PARTITION, Physical, env_str, physical_name

log = logging.getLogger("local.aws")


def _table_arguments(name: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """CreateTable's arguments from the table's properties."""
    billing = props.get("BillingMode", "PROVISIONED")
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": billing,
    }
    if billing != "PAY_PER_REQUEST":
        kwargs["ProvisionedThroughput"] = props["ProvisionedThroughput"]

    def index(spec: dict[str, Any]) -> dict[str, Any]:
        keep = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")
        return {k: spec[k] for k in keep if k in spec}

    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = [index(g) for g in props["GlobalSecondaryIndexes"]]
    if props.get("LocalSecondaryIndexes"):
        kwargs["LocalSecondaryIndexes"] = [index(i) for i in props["LocalSecondaryIndexes"]]
    if "StreamSpecification" in props:
        kwargs["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": props["StreamSpecification"]["StreamViewType"],
        }
    if "SSESpecification" in props:
        sse = props["SSESpecification"]
        kwargs["SSESpecification"] = {
            "Enabled": bool(sse.get("SSEEnabled", False)),
            **{k: sse[k] for k in ("SSEType", "KMSMasterKeyId") if k in sse},
        }
    if "DeletionProtectionEnabled" in props:
        kwargs["DeletionProtectionEnabled"] = bool(props["DeletionProtectionEnabled"])
    if "TableClass" in props:
        kwargs["TableClass"] = props["TableClass"]
    if props.get("Tags"):
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags_dict(props["Tags"]).items()]
    return kwargs


def create_dynamodb_table(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    ddb = clients("dynamodb")
    name = props.get("TableName") or physical_name(logical_id)
    table = ddb.create_table(**_table_arguments(name, props))["TableDescription"]

    if "TimeToLiveSpecification" in props:
        ttl = props["TimeToLiveSpecification"]
        if ttl.get("Enabled"):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    if pitr.get("PointInTimeRecoveryEnabled"):
        ddb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    warn_unapplied(
        logical_id,
        props,
        {
            "TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput",
            "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification",
            "SSESpecification", "DeletionProtectionEnabled", "TableClass", "Tags",
            "TimeToLiveSpecification", "PointInTimeRecoverySpecification",
        },
        {"ContributorInsightsSpecification", "KinesisStreamSpecification", "ResourcePolicy"},
    )  # fmt: skip
    attrs = {"Arn": table["TableArn"]}
    if "LatestStreamArn" in table:
        attrs["StreamArn"] = table["LatestStreamArn"]
    return Physical(ref=name, attrs=attrs)


# CloudFormation property -> SQS attribute of the same meaning.
_SQS_ATTRIBUTES = (
    "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
    "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout", "SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
    "RedrivePolicy", "RedriveAllowPolicy",
)  # fmt: skip


def create_sqs_queue(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    sqs = clients("sqs")
    fifo = bool(props.get("FifoQueue", False))
    # CloudFormation names an unnamed FIFO queue with the mandatory .fifo suffix.
    name = props.get("QueueName") or physical_name(logical_id) + (".fifo" if fifo else "")
    attributes: dict[str, str] = {}
    for key in _SQS_ATTRIBUTES:
        if key not in props:
            continue
        value = props[key]
        attributes[key] = json.dumps(value) if isinstance(value, dict) else env_str(value)
    kwargs: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
    if props.get("Tags"):
        kwargs["tags"] = tags_dict(props["Tags"])
    url = sqs.create_queue(**kwargs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    warn_unapplied(logical_id, props, {*_SQS_ATTRIBUTES, "QueueName", "Tags"}, set())
    return Physical(ref=url, attrs={"Arn": arn, "QueueName": name, "QueueUrl": url})


def _s3_cors_rules(cors: Mapping[str, Any]) -> list[dict[str, Any]]:
    rename = {
        "AllowedHeaders": "AllowedHeaders",
        "AllowedMethods": "AllowedMethods",
        "AllowedOrigins": "AllowedOrigins",
        "ExposedHeaders": "ExposeHeaders",
        "MaxAge": "MaxAgeSeconds",
        "Id": "ID",
    }
    return [
        {rename[k]: (int(v) if k == "MaxAge" else v) for k, v in rule.items() if k in rename}
        for rule in cors["CorsRules"]
    ]


def _s3_encryption_rules(encryption: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = []
    for rule in encryption["ServerSideEncryptionConfiguration"]:
        default = rule.get("ServerSideEncryptionByDefault", {})
        api_rule: dict[str, Any] = {
            "ApplyServerSideEncryptionByDefault": {
                k: default[k] for k in ("SSEAlgorithm", "KMSMasterKeyID") if k in default
            }
        }
        if "BucketKeyEnabled" in rule:
            api_rule["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
        rules.append(api_rule)
    return rules


def _s3_object_lock(lock: Mapping[str, Any]) -> dict[str, Any]:
    configuration: dict[str, Any] = {"ObjectLockEnabled": lock.get("ObjectLockEnabled", "Enabled")}
    retention = (lock.get("Rule") or {}).get("DefaultRetention")
    if retention:
        configuration["Rule"] = {
            "DefaultRetention": {
                "Mode": retention["Mode"],
                **{k: int(retention[k]) for k in ("Days", "Years") if k in retention},
            }
        }
    return configuration


def _configure_bucket(s3: Any, name: str, props: Mapping[str, Any]) -> None:
    """Every bucket setting of the template, one S3 call each."""
    if "CorsConfiguration" in props:
        s3.put_bucket_cors(
            Bucket=name, CORSConfiguration={"CORSRules": _s3_cors_rules(props["CorsConfiguration"])}
        )
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]}
        )
    if "BucketEncryption" in props:
        rules = _s3_encryption_rules(props["BucketEncryption"])
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        block = {k: bool(v) for k, v in props["PublicAccessBlockConfiguration"].items()}
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "ObjectLockConfiguration" in props:
        lock = _s3_object_lock(props["ObjectLockConfiguration"])
        s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=lock)
    if props.get("Tags"):
        tag_set = [{"Key": k, "Value": v} for k, v in tags_dict(props["Tags"]).items()]
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set})
    _configure_notifications(s3, name, props.get("NotificationConfiguration") or {})


def _configure_notifications(s3: Any, name: str, notifications: Mapping[str, Any]) -> None:
    """EventBridge notifications are turned on in moto (local/eventbridge/ delivers them to the
    template's EventBridgeRule events); direct Lambda/SQS/SNS notifications are not run locally."""
    bridge = notifications.get("EventBridgeConfiguration") or {}
    if str(bridge.get("EventBridgeEnabled", False)).lower() == "true":
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
    for kind in ("LambdaConfigurations", "QueueConfigurations", "TopicConfigurations"):
        if notifications.get(kind):
            log.warning(
                "bucket %s: %s are not delivered locally; use EventBridgeConfiguration and an "
                "EventBridgeRule event (docs/local-stack.md)", name, kind,
            )  # fmt: skip


def create_s3_bucket(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    s3 = clients("s3")
    name = props.get("BucketName") or physical_name(logical_id, lower=True)  # bucket names are lower case
    region = s3.meta.region_name
    create: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    if str(props.get("ObjectLockEnabled", False)).lower() == "true":
        create["ObjectLockEnabledForBucket"] = True  # only at creation, as in S3
    s3.create_bucket(**create)
    _configure_bucket(s3, name, props)
    warn_unapplied(
        logical_id,
        props,
        {
            "BucketName", "CorsConfiguration", "VersioningConfiguration", "BucketEncryption",
            "PublicAccessBlockConfiguration", "OwnershipControls", "Tags", "ObjectLockEnabled",
            "ObjectLockConfiguration", "NotificationConfiguration",
        },
        # moto never expires objects nor writes access logs: nothing to apply locally.
        {"LifecycleConfiguration", "LoggingConfiguration"},
    )  # fmt: skip
    return Physical(
        ref=name,
        attrs={
            "Arn": f"arn:{PARTITION}:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        },
    )
