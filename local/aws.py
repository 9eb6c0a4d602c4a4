"""Embedded AWS: moto in server mode, and every resource of template.yaml created in it.

Resources are created generically by type from the template, in dependency order, so a table,
queue or user pool added to template.yaml appears locally without touching this file. A resource
type nobody taught this module about stops the stack with a clear error instead of being
silently left out.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local.template import (
    PARTITION,
    REGION,
    Physical,
    Template,
    TemplateError,
    env_str,
    physical_name,
)

log = logging.getLogger("local.aws")


# ---------------------------------------------------------------------------------- moto server


_DYNAMODB_ITEM_METHODS = (
    "get_item", "put_item", "update_item", "delete_item", "query", "scan",
    "transact_write_items", "transact_get_items", "batch_get_item", "batch_write_item",
)  # fmt: skip
_DYNAMODB_STREAMS_METHODS = ("describe_stream", "list_streams", "get_shard_iterator", "get_records")


def serialize_moto_dynamodb() -> None:
    """One DynamoDB item operation at a time inside moto.

    moto's DynamoDB is not thread-safe (a transaction deep-copies tables that other threads are
    changing), while the threaded moto server and the threaded gateway run requests in
    parallel. Real DynamoDB is safe here; a lock restores that, so concurrent local requests
    exercise our conditions and transactions rather than moto's races. Idempotent; the flag
    name is shared with tests/support so the two never wrap twice.
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    if getattr(DynamoDBBackend, "_sutasoma_serialized", False):
        return
    item_level_moto_transactions()  # first, so that the lock wraps it
    lock = threading.RLock()

    def wrap(backend: type, name: str) -> None:
        original = getattr(backend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        setattr(backend, name, locked)

    for name in _DYNAMODB_ITEM_METHODS:
        wrap(DynamoDBBackend, name)
    # Stream reads take the same lock: a transaction appends its stream records one by one and
    # takes them back if it is cancelled (item_level_moto_transactions); no reader sees them meanwhile.
    for name in _DYNAMODB_STREAMS_METHODS:
        wrap(DynamoDBStreamsBackend, name)
    forget_used_shard_iterators()
    plain_json_stream_records()
    DynamoDBBackend._sutasoma_serialized = True  # type: ignore[attr-defined]


# moto keeps every shard iterator it ever handed out (each GetRecords hands out one more, ~1 KB):
# a stream poller asking twice a second would grow that without end. DynamoDB lets an iterator
# expire after 15 minutes; here the oldest are forgotten beyond this many.
SHARD_ITERATORS_KEPT = 1000


def forget_used_shard_iterators() -> None:
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    original = DynamoDBStreamsBackend.get_records

    def get_records(self: Any, iterator_arn: str, limit: int) -> Any:
        result = original(self, iterator_arn, limit)
        iterators = self.shard_iterators
        for stale in list(iterators)[: max(0, len(iterators) - SHARD_ITERATORS_KEPT)]:
            iterators.pop(stale, None)
        return result

    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]


def plain_json_stream_records() -> None:
    """GetRecords answered with json.dumps of moto's records (already DynamoDB JSON) instead of
    moto's generic, shape-driven serializer: ~2 ms a record there (a seeded `make run` streams
    ~5,000 records, 10 s of CPU to read them), a few microseconds here. The same answer: the
    creation time as epoch seconds, as DynamoDB Streams' JSON protocol has it."""
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    def epoch(value: Any) -> float:
        if isinstance(value, datetime):
            return value.timestamp()
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    def get_records(self: Any) -> tuple[int, dict[str, str], str]:
        limit = self._get_param("Limit")
        result = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(result, default=epoch)

    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[method-assign,assignment]


def item_level_moto_transactions() -> None:
    """Make moto's TransactWriteItems cost what the transaction touches, not the whole table.

    moto deep-copies every table a transaction names (once per item) to roll back a cancelled
    transaction: ~100 ms per transaction at a few hundred farmers, growing with the table,
    where DynamoDB takes milliseconds whatever its size. Instead copy the items the transaction
    names and put those back if it fails: the same outcome (indexes are computed from items).

    moto also writes a stream record for each item as it goes, and its own rollback (the
    restored table copies) takes them back with the table. Here the stream records a cancelled
    transaction appended are dropped too: DynamoDB streams only committed writes, and without
    this a registration refused for a taken NIK would leave the INSERT of an audit record that
    never existed on the stream (and in the audit archive).
    """
    import copy

    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    if getattr(DynamoDBBackend, "_sutasoma_item_backup", False):
        return

    class CopyWithoutTables:
        """`copy` as moto's dynamodb models module sees it: a Table is not copied."""

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    original = DynamoDBBackend.transact_write_items

    def touched(backend: Any, entry: dict[str, Any]) -> tuple[Any, Any, Any, Any] | None:
        try:
            op_type, op = next(iter(entry.items()))
            table = backend.tables[op["TableName"]]
            attrs = op["Item"] if op_type == "Put" else op["Key"]
            hash_value = DynamoType(attrs[table.hash_key_attr])
            range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
            return table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))
        except Exception:  # malformed: moto's own validation answers it before any change
            return None

    def stream_lengths(backend: Any, transact_items: list[dict[str, Any]]) -> dict[Any, int]:
        shards = {}
        for entry in transact_items:
            op = next(iter(entry.values()), None) if isinstance(entry, dict) else None
            table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is not None and table.stream_shard is not None:
                shards[table.stream_shard] = len(table.stream_shard.items)
        return shards

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        backups = [b for b in (touched(self, entry) for entry in transact_items) if b is not None]
        streamed = stream_lengths(self, transact_items)
        try:
            return original(self, transact_items)
        except Exception:
            for shard, length in streamed.items():
                del shard.items[length:]
            for table, hash_value, range_value, before in reversed(backups):
                if range_value is None:
                    table.items.pop(hash_value, None)
                    if before is not None:
                        table.items[hash_value] = before
                else:
                    partition = table.items.setdefault(hash_value, {})
                    partition.pop(range_value, None)
                    if before is not None:
                        partition[range_value] = before
                    elif not partition:
                        table.items.pop(hash_value, None)
            raise

    models.copy = CopyWithoutTables  # type: ignore[assignment,attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    DynamoDBBackend._sutasoma_item_backup = True  # type: ignore[attr-defined]


_SQS_MESSAGE_METHODS = (
    "send_message", "send_message_batch", "receive_message", "delete_message", "delete_message_batch",
    "change_message_visibility", "change_message_visibility_batch", "purge_queue",
)  # fmt: skip

# How often a waiting long poll looks again when nothing woke it (a visibility timeout or a
# message delay running out wakes nobody).
SQS_LONG_POLL_RECHECK_S = 0.1


def serialize_moto_sqs() -> None:
    """One SQS message operation at a time inside moto, with long polls that wait outside the lock.

    moto's queues are not thread-safe either: a receive iterates the set of in-flight messages
    that a concurrent delete changes ("Set changed size during iteration"), and two receives
    could hand out the same message. The SQS pollers, the gateway's functions and the functions
    they call all use SQS at once, so message operations take one lock. A long poll
    (WaitTimeSeconds) must not hold it while it waits: moto's wait is replaced by a wait on a
    condition of that lock, which releases it, and which every other message operation
    notifies. moto's own wait also spins when the visible messages all belong to FIFO groups
    that are in flight; this one sleeps until something changes. Idempotent.
    """
    from moto.sqs.models import Queue, SQSBackend

    if getattr(SQSBackend, "_sutasoma_serialized", False):
        return
    condition = threading.Condition(threading.RLock())

    for name in _SQS_MESSAGE_METHODS:
        original = getattr(SQSBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with condition:
                try:
                    return __original(self, *args, **kwargs)
                finally:
                    condition.notify_all()

        setattr(SQSBackend, name, locked)

    original_wait = Queue.wait_for_messages

    def wait_for_messages(self: Any, timeout: int) -> None:
        try:
            # Releases the lock (all levels) while waiting, takes it back before returning.
            condition.wait(timeout=min(float(timeout), SQS_LONG_POLL_RECHECK_S))
        except RuntimeError:  # not called under the lock (not through SQSBackend): moto's own wait
            original_wait(self, timeout)

    Queue.wait_for_messages = wait_for_messages  # type: ignore[method-assign]
    SQSBackend._sutasoma_serialized = True  # type: ignore[attr-defined]


def start_moto(port: int, host: str = "127.0.0.1") -> tuple[ThreadedMotoServer, str]:
    """Start moto on 127.0.0.1 (port 0 picks a free port); return the server and its URL."""
    serialize_moto_dynamodb()
    serialize_moto_sqs()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    real_host, real_port = server.get_host_and_port()
    return server, f"http://{real_host}:{real_port}"


class Clients:
    """boto3 clients bound to moto (explicit endpoint and fake credentials, whatever the env)."""

    def __init__(self, endpoint_url: str, region: str = REGION) -> None:
        # Any: boto3-stubs' overloads want a literal service name.
        self._session: Any = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        self._endpoint_url = endpoint_url
        self._cache: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = self._session.client(service, endpoint_url=self._endpoint_url)
        return self._cache[service]


# ---------------------------------------------------------------------------------- creators


@dataclass
class Created:
    """The resources created for one template, by logical id."""

    physical: dict[str, Physical] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> dict[str, Physical]:
        return {lid: p for lid, p in self.physical.items() if self.types[lid] == resource_type}


Creator = Callable[[Clients, str, dict[str, Any]], Physical]


def _warn_unapplied(logical_id: str, props: Mapping[str, Any], applied: set[str], ignored: set[str]) -> None:
    # A property we neither apply nor knowingly ignore is worth a line: it may change behaviour.
    for key in sorted(set(props) - applied - ignored):
        log.warning("%s: property %s is not applied by the local stack", logical_id, key)


def _tags_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t["Value"]) for t in tags or []}


def create_dynamodb_table(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    ddb = clients("dynamodb")
    name = props.get("TableName") or physical_name(logical_id)
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
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in _tags_dict(props["Tags"]).items()]
    table = ddb.create_table(**kwargs)["TableDescription"]

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
    _warn_unapplied(
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
        kwargs["tags"] = _tags_dict(props["Tags"])
    url = sqs.create_queue(**kwargs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    _warn_unapplied(logical_id, props, {*_SQS_ATTRIBUTES, "QueueName", "Tags"}, set())
    return Physical(ref=url, attrs={"Arn": arn, "QueueName": name, "QueueUrl": url})


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
    if "CorsConfiguration" in props:
        rename = {
            "AllowedHeaders": "AllowedHeaders",
            "AllowedMethods": "AllowedMethods",
            "AllowedOrigins": "AllowedOrigins",
            "ExposedHeaders": "ExposeHeaders",
            "MaxAge": "MaxAgeSeconds",
            "Id": "ID",
        }
        rules = [
            {rename[k]: (int(v) if k == "MaxAge" else v) for k, v in rule.items() if k in rename}
            for rule in props["CorsConfiguration"]["CorsRules"]
        ]
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]}
        )
    if "BucketEncryption" in props:
        rules = []
        for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]:
            default = rule.get("ServerSideEncryptionByDefault", {})
            api_rule: dict[str, Any] = {
                "ApplyServerSideEncryptionByDefault": {
                    k: default[k] for k in ("SSEAlgorithm", "KMSMasterKeyID") if k in default
                }
            }
            if "BucketKeyEnabled" in rule:
                api_rule["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
            rules.append(api_rule)
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                k: bool(v) for k, v in props["PublicAccessBlockConfiguration"].items()
            },
        )
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "ObjectLockConfiguration" in props:
        lock = props["ObjectLockConfiguration"]
        configuration: dict[str, Any] = {"ObjectLockEnabled": lock.get("ObjectLockEnabled", "Enabled")}
        retention = (lock.get("Rule") or {}).get("DefaultRetention")
        if retention:
            configuration["Rule"] = {
                "DefaultRetention": {
                    "Mode": retention["Mode"],
                    **{k: int(retention[k]) for k in ("Days", "Years") if k in retention},
                }
            }
        s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=configuration)
    if props.get("Tags"):
        s3.put_bucket_tagging(
            Bucket=name,
            Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in _tags_dict(props["Tags"]).items()]},
        )
    _warn_unapplied(
        logical_id,
        props,
        {
            "BucketName", "CorsConfiguration", "VersioningConfiguration", "BucketEncryption",
            "PublicAccessBlockConfiguration", "OwnershipControls", "Tags", "ObjectLockEnabled",
            "ObjectLockConfiguration",
        },
        # moto never expires objects nor sends bucket notifications: nothing to apply locally.
        {"LifecycleConfiguration", "NotificationConfiguration", "LoggingConfiguration"},
    )  # fmt: skip
    return Physical(
        ref=name,
        attrs={
            "Arn": f"arn:{PARTITION}:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        },
    )


_USER_POOL_PASSTHROUGH = (
    "Policies", "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes",
    "SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject",
    "VerificationMessageTemplate", "SmsAuthenticationMessage", "MfaConfiguration",
    "UserAttributeUpdateSettings", "DeviceConfiguration", "EmailConfiguration", "SmsConfiguration",
    "UserPoolTags", "AdminCreateUserConfig", "Schema", "UserPoolAddOns", "UsernameConfiguration",
    "AccountRecoverySetting", "DeletionProtection", "UserPoolTier",
)  # fmt: skip


def create_user_pool(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    idp = clients("cognito-idp")
    name = props.get("UserPoolName") or physical_name(logical_id)
    kwargs = {k: props[k] for k in _USER_POOL_PASSTHROUGH if k in props}
    pool = idp.create_user_pool(PoolName=name, **kwargs)["UserPool"]
    pool_id = pool["Id"]
    region = idp.meta.region_name
    _warn_unapplied(
        logical_id, props, {*_USER_POOL_PASSTHROUGH, "UserPoolName"},
        # No Lambda triggers locally (yet): a pre-token or custom-message trigger would be noticed here.
        set(),
    )  # fmt: skip
    return Physical(
        ref=pool_id,
        attrs={
            "Arn": pool["Arn"],
            "UserPoolId": pool_id,
            "ProviderName": f"cognito-idp.{region}.amazonaws.com/{pool_id}",
            "ProviderURL": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
        },
    )


def create_user_pool_client(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    idp = clients("cognito-idp")
    kwargs = {k: v for k, v in props.items() if k not in ("UserPoolId", "ClientName")}
    client = idp.create_user_pool_client(
        UserPoolId=props["UserPoolId"],
        ClientName=props.get("ClientName") or physical_name(logical_id),
        **kwargs,
    )["UserPoolClient"]
    attrs = {"ClientId": client["ClientId"], "Name": client["ClientName"]}
    if "ClientSecret" in client:
        attrs["ClientSecret"] = client["ClientSecret"]
    return Physical(ref=client["ClientId"], attrs=attrs)


def create_user_pool_group(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    idp = clients("cognito-idp")
    name = props.get("GroupName") or physical_name(logical_id)
    kwargs = {k: props[k] for k in ("Description", "Precedence", "RoleArn") if k in props}
    if "Precedence" in kwargs:
        kwargs["Precedence"] = int(kwargs["Precedence"])
    idp.create_group(UserPoolId=props["UserPoolId"], GroupName=name, **kwargs)
    return Physical(ref=name)


def generate_secret_string(spec: Mapping[str, Any]) -> str:
    """Secrets Manager's GenerateSecretString, with the same knobs."""
    alphabet = ""
    groups: list[str] = []
    for flag, chars in (
        ("ExcludeLowercase", string.ascii_lowercase),
        ("ExcludeUppercase", string.ascii_uppercase),
        ("ExcludeNumbers", string.digits),
        ("ExcludePunctuation", string.punctuation),
    ):
        if not spec.get(flag, False):
            kept = "".join(c for c in chars if c not in spec.get("ExcludeCharacters", ""))
            alphabet += kept
            groups.append(kept)
    if spec.get("IncludeSpace", False):
        alphabet += " "
    length = int(spec.get("PasswordLength", 32))
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if not spec.get("RequireEachIncludedType", True) or all(
            any(c in group for c in value) for group in groups if group
        ):
            break
    if "SecretStringTemplate" in spec:
        document = json.loads(spec["SecretStringTemplate"])
        document[spec["GenerateStringKey"]] = value
        return json.dumps(document)
    return value


def create_secret(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    sm = clients("secretsmanager")
    name = props.get("Name") or physical_name(logical_id)
    if "SecretString" in props:
        value = str(props["SecretString"])
    elif "GenerateSecretString" in props:
        value = generate_secret_string(props["GenerateSecretString"])
    else:
        raise TemplateError(f"{logical_id}: a secret needs SecretString or GenerateSecretString")
    kwargs: dict[str, Any] = {"Name": name, "SecretString": value}
    for key in ("Description", "KmsKeyId"):
        if key in props:
            kwargs[key] = props[key]
    if props.get("Tags"):
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in _tags_dict(props["Tags"]).items()]
    arn = sm.create_secret(**kwargs)["ARN"]
    return Physical(ref=arn, attrs={"Id": arn})


# CloudFormation property -> SNS topic attribute of the same meaning.
_SNS_TOPIC_ATTRIBUTES = (
    "DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication", "SignatureVersion",
    "TracingConfig", "ArchivePolicy", "FifoThroughputScope",
)  # fmt: skip


def _attribute_str(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else env_str(value)


def create_sns_topic(clients: Clients, logical_id: str, props: dict[str, Any]) -> Physical:
    sns = clients("sns")
    fifo = str(props.get("FifoTopic", "false")).lower() == "true"
    name = props.get("TopicName") or physical_name(logical_id) + (".fifo" if fifo else "")
    attributes = {k: _attribute_str(props[k]) for k in _SNS_TOPIC_ATTRIBUTES if k in props}
    kwargs: dict[str, Any] = {"Name": name, "Attributes": attributes}
    if props.get("Tags"):
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in _tags_dict(props["Tags"]).items()]
    arn = sns.create_topic(**kwargs)["TopicArn"]
    for inline in props.get("Subscription") or []:
        _subscribe(sns, logical_id, arn, inline["Protocol"], inline["Endpoint"], {})
    _warn_unapplied(
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
    attributes = {k: _attribute_str(props[k]) for k in _SNS_SUBSCRIPTION_ATTRIBUTES if k in props}
    arn = _subscribe(sns, logical_id, props["TopicArn"], props["Protocol"], props["Endpoint"], attributes)
    _warn_unapplied(
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
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in _tags_dict(props["Tags"]).items()]
    cloudwatch.put_metric_alarm(**kwargs)
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    _warn_unapplied(logical_id, props, {*_ALARM_PARAMETERS, "AlarmName", "Tags"}, set())
    return Physical(ref=name, attrs={"Arn": alarm["AlarmArn"]})


CREATORS: dict[str, Creator] = {
    "AWS::DynamoDB::Table": create_dynamodb_table,
    "AWS::SQS::Queue": create_sqs_queue,
    "AWS::S3::Bucket": create_s3_bucket,
    "AWS::Cognito::UserPool": create_user_pool,
    "AWS::Cognito::UserPoolClient": create_user_pool_client,
    "AWS::Cognito::UserPoolGroup": create_user_pool_group,
    "AWS::SecretsManager::Secret": create_secret,
    "AWS::SNS::Topic": create_sns_topic,
    "AWS::SNS::Subscription": create_sns_subscription,
    "AWS::CloudWatch::Alarm": create_cloudwatch_alarm,
}

# Types with no local counterpart in moto, and why. They still answer Ref/GetAtt with plausible
# values so that whatever refers to them (env vars, the HttpApi's access log) resolves.
SKIPPED_TYPES: dict[str, str] = {
    "AWS::Serverless::Function": "run in-process (local.gateway, local.poller, local.scheduler)",
    "AWS::Serverless::HttpApi": "served by local.gateway",
    "AWS::Serverless::LayerVersion": "its ContentUri is put on sys.path",
    "AWS::Lambda::LayerVersion": "its content is put on sys.path",
    "AWS::Lambda::Permission": "functions are invoked in-process, without Lambda's permission check",
    "AWS::Logs::LogGroup": "function and access logs go to this process's stdout/stderr",
    # moto does not enforce policies; DenyInsecureTransport would refuse the plain-HTTP local calls.
    "AWS::S3::BucketPolicy": "policies are not enforced locally",
    "AWS::SQS::QueuePolicy": "policies are not enforced locally",
    "AWS::IAM::Role": "IAM is not enforced locally",
    "AWS::IAM::Policy": "IAM is not enforced locally",
    "AWS::IAM::ManagedPolicy": "IAM is not enforced locally",
    "AWS::CloudWatch::Dashboard": "no metrics locally",
    "AWS::Logs::MetricFilter": "function logs go to stdout, not to CloudWatch Logs",
    # The field app is served by local/webapp.py, with the response headers policy's headers.
    "AWS::CloudFront::Distribution": "local.webapp serves web/ (app_url in stack.json)",
    "AWS::CloudFront::OriginAccessControl": "local.webapp reads web/ from the disk",
    "AWS::CloudFront::ResponseHeadersPolicy": "local.webapp sends its security headers",
}


def placeholder(
    template: Template, logical_id: str, resource_type: str, props: Mapping[str, Any]
) -> Physical:
    """Ref/GetAtt answers for a skipped resource, shaped like the real ones."""
    region, account = template.pseudo["AWS::Region"], template.pseudo["AWS::AccountId"]
    if resource_type == "AWS::Serverless::Function":
        name = props.get("FunctionName") or physical_name(logical_id)
        return Physical(ref=name, attrs={"Arn": f"arn:{PARTITION}:lambda:{region}:{account}:function:{name}"})
    if resource_type in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
        name = props.get("LayerName") or physical_name(logical_id)
        return Physical(ref=f"arn:{PARTITION}:lambda:{region}:{account}:layer:{name}:1")
    if resource_type == "AWS::Serverless::HttpApi":
        return Physical(ref="local", attrs={"ApiId": "local"})
    if resource_type == "AWS::Logs::LogGroup":
        name = props.get("LogGroupName") or f"/aws/local/{physical_name(logical_id)}"
        return Physical(
            ref=name, attrs={"Arn": f"arn:{PARTITION}:logs:{region}:{account}:log-group:{name}:*"}
        )
    if resource_type.startswith("AWS::IAM::"):
        name = physical_name(logical_id)
        return Physical(ref=name, attrs={"Arn": f"arn:{PARTITION}:iam::{account}:role/{name}"})
    return Physical(
        ref=physical_name(logical_id), attrs={"Arn": f"arn:{PARTITION}:local:{region}:{account}:{logical_id}"}
    )


def create_resources(template: Template, clients: Clients) -> Created:
    """Create every resource of the template in moto, dependencies first."""
    resources = template.resources()
    unknown = {
        f"{lid} ({res.get('Type')})"
        for lid, res in resources.items()
        if res.get("Type") not in CREATORS and res.get("Type") not in SKIPPED_TYPES
    }
    if unknown:
        raise TemplateError(
            "template.yaml declares resource types the local stack does not know: "
            f"{', '.join(sorted(unknown))}. Teach local/aws.py to create them (CREATORS) or say why "
            "they have no local meaning (SKIPPED_TYPES)."
        )
    created = Created()
    for logical_id in template.creation_order():
        resource_type = resources[logical_id]["Type"]
        props = template.resolve(template.properties(logical_id), created.physical)
        if resource_type in CREATORS:
            created.physical[logical_id] = CREATORS[resource_type](clients, logical_id, props)
            log.debug("created %s (%s)", logical_id, resource_type)
        else:
            created.physical[logical_id] = placeholder(template, logical_id, resource_type, props)
        created.types[logical_id] = resource_type
    return created
