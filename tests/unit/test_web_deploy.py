"""scripts/web_deploy.py on moto: the deployed app's config.json from the stack's outputs, and the
upload of web/ (content types, cache policy, stale files removed, CloudFront invalidated)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.webapp import deployable_files

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-southeast-3"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scripts_web_deploy", ROOT / "scripts" / "web_deploy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


web_deploy = _load()

OUTPUTS = {
    "ApiUrl": "https://abc123.execute-api.ap-southeast-3.amazonaws.com/",
    "UserPoolId": "ap-southeast-3_AbCdEf",
    "UserPoolClientId": "client123",
    "WebAppBucketName": "sutasoma-webappbucket-1",
    "WebAppDistributionId": "E123",
    "WebAppUrl": "https://d111.cloudfront.net/",
}


class FakeCloudFormation:
    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {
            "Stacks": [
                {
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in self.outputs.items()],
                    "Parameters": [
                        {"ParameterKey": "MinRegistrationAge", "ParameterValue": "18"},
                        {"ParameterKey": "MaxRegistrationAge", "ParameterValue": "60"},
                    ],
                }
            ]
        }


def test_config_json_comes_from_the_stack_outputs_and_parameters() -> None:
    outputs, parameters = web_deploy.stack_facts(FakeCloudFormation(OUTPUTS), "sutasoma")
    assert web_deploy.config_from_stack(outputs, parameters, REGION) == {
        "api_url": "https://abc123.execute-api.ap-southeast-3.amazonaws.com",
        "region": REGION,
        "user_pool_id": "ap-southeast-3_AbCdEf",
        "user_pool_client_id": "client123",
        "cognito_endpoint": "https://cognito-idp.ap-southeast-3.amazonaws.com/",
        "min_registration_age": 18,
        "max_registration_age": 60,
    }


def test_a_stack_without_the_apps_outputs_is_refused() -> None:
    with pytest.raises(SystemExit, match="WebAppBucketName"):
        web_deploy.stack_facts(FakeCloudFormation({"ApiUrl": "x"}), "old-stack")


@mock_aws
def test_publish_uploads_the_app_and_its_config_removes_stale_files_and_invalidates() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="app", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="app", Key="js/old-screen.js", Body=b"old")
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "t",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "app",
                        "DomainName": "app.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "app", "ViewerProtocolPolicy": "redirect-to-https"},
        }
    )["Distribution"]["Id"]

    config = {"api_url": "https://api", "region": REGION}
    order = web_deploy.publish(s3, cloudfront, "app", distribution, config)

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="app")["Contents"]}
    assert keys == {*deployable_files(), "config.json"}
    assert order[-1] == "sw.js", "the service worker goes last"
    index = s3.get_object(Bucket="app", Key="index.html")
    assert index["ContentType"].startswith("text/html") and index["CacheControl"] == "no-cache"
    script = s3.get_object(Bucket="app", Key="js/main.js")
    assert (
        script["ContentType"].startswith("text/javascript")
        and script["CacheControl"] == "public, max-age=3600"
    )
    assert (
        s3.get_object(Bucket="app", Key="config.json")["Body"]
        .read()
        .startswith(b'{\n  "api_url": "https://api"')
    )
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert invalidations["Quantity"] == 1


@mock_aws
def test_a_dry_run_changes_nothing() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="app", CreateBucketConfiguration={"LocationConstraint": REGION})
    web_deploy.publish(s3, None, "app", None, {"api_url": "x"}, dry_run=True)
    assert s3.list_objects_v2(Bucket="app").get("KeyCount") == 0
