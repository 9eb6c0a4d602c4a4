"""Audit trails the breach runbook uses (issue 14, docs/operations.md "Audit trails"): the API
access log says who (token sub) called what (route key, request id) from where (IP, user agent),
kept LogRetentionDays; every request on the KTP and claims buckets' objects is in their S3 server
access logs and in a CloudTrail trail of their data events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.template.cfn_yaml import load_yaml

ROOT = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, Any] = load_yaml(ROOT / "template.yaml")["Resources"]
UPLOAD_BUCKETS = ("KtpBucket", "ClaimsBucket")


def test_the_access_log_says_who_from_where_and_holds_no_personal_data() -> None:
    settings = RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]
    fields = json.loads(settings["Format"])
    assert fields["ip"] == "$context.identity.sourceIp"
    assert fields["userAgent"] == "$context.identity.userAgent"
    assert fields["sub"] == "$context.authorizer.claims.sub"
    assert fields["requestId"] == "$context.requestId" and fields["routeKey"] == "$context.routeKey"
    # No path, query string or body: they can carry a NIK.
    assert not {v for v in fields.values() if any(p in v for p in ("$context.path", "querystring", "body"))}
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    assert RESOURCES["HttpApiAccessLogs"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_upload_buckets_log_every_request() -> None:
    for bucket in UPLOAD_BUCKETS:
        logging = RESOURCES[bucket]["Properties"]["LoggingConfiguration"]
        assert logging["DestinationBucketName"] == {"Ref": "AccessLogsBucket"}
        assert logging["LogFilePrefix"].startswith("s3-access/")
    logs = RESOURCES["AccessLogsBucket"]["Properties"]
    (rule,) = logs["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == {"Ref": "LogRetentionDays"}
    assert logs["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ] == {"SSEAlgorithm": "AES256"}  # what S3 server access logging delivers to
    statements = RESOURCES["AccessLogsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    writers = {s["Principal"]["Service"] for s in statements if s["Effect"] == "Allow"}
    assert writers == {"logging.s3.amazonaws.com", "cloudtrail.amazonaws.com"}


def test_a_trail_records_the_data_events_of_both_upload_buckets() -> None:
    trail = RESOURCES["UploadDataTrail"]["Properties"]
    assert trail["IsLogging"] is True and trail["EnableLogFileValidation"] is True
    assert trail["S3BucketName"] == {"Ref": "AccessLogsBucket"}
    (selector,) = trail["AdvancedEventSelectors"]
    fields = {f["Field"]: f for f in selector["FieldSelectors"]}
    assert fields["eventCategory"]["Equals"] == ["Data"]
    assert fields["resources.type"]["Equals"] == ["AWS::S3::Object"]
    assert fields["resources.ARN"]["StartsWith"] == [
        {"Fn::Sub": f"${{{bucket}.Arn}}/"} for bucket in UPLOAD_BUCKETS
    ]
    assert "readOnly" not in fields  # reads too: who opened a KTP copy
