"""Every resource of template.yaml created in moto, by type, in dependency order.

Resources are created generically by type from the template, so a table, queue or user pool
added to template.yaml appears locally without touching local/. A resource type nobody taught
local/ about stops the stack with a clear error instead of being silently left out: give it a
creator in `CREATORS` or a reason in `SKIPPED_TYPES`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from local.aws.identity import (
    create_secret,
    create_user_pool,
    create_user_pool_client,
    create_user_pool_group,
)
from local.aws.monitoring import create_cloudwatch_alarm, create_sns_subscription, create_sns_topic
from local.aws.server import Clients
from local.aws.storage import create_dynamodb_table, create_s3_bucket, create_sqs_queue
from local.template.cfn_yaml import TemplateError
from local.template.specs import PARTITION, Physical, physical_name
from local.template.template import Template

log = logging.getLogger("local.aws")


@dataclass
class Created:
    """The resources created for one template, by logical id."""

    physical: dict[str, Physical] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> dict[str, Physical]:
        return {lid: p for lid, p in self.physical.items() if self.types[lid] == resource_type}


Creator = Callable[[Clients, str, dict[str, Any]], Physical]


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
    "AWS::Serverless::Function": "run in-process (local.gateway, local.pollers, local.scheduler)",
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
    "AWS::CloudTrail::Trail": "no data events locally (moto records none); the gateway's access log shows requests",
    # prod only (Condition IsProd): moto's Cognito has no threat protection.
    "AWS::Cognito::UserPoolRiskConfigurationAttachment": "no threat protection in moto's Cognito",
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
