"""Put the field app (web/) where template.yaml's CloudFront serves it: `make web-deploy STACK=…`.

`sam deploy` creates the bucket, the distribution and the outputs; it does not upload files.
After it:

    python scripts/web_deploy.py config --stack sutasoma [--region ap-southeast-3]
        print the app's config.json, made from the stack's outputs and parameters
    python scripts/web_deploy.py deploy --stack sutasoma [--region ap-southeast-3] [--dry-run]
        upload web/'s files and that config.json to the stack's WebAppBucketName, each with its
        content type and cache policy (index.html, sw.js and config.json: no-cache), delete
        files no longer in web/, and invalidate the distribution (WebAppDistributionId)

It uses your AWS credentials (the profile or environment you deploy with); `make test` never
runs it against AWS (tests/unit/test_web_deploy.py runs it on moto).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from local.webapp import WEB_DIR, app_config, cache_control, content_type, deployable_files  # noqa: E402

REQUIRED_OUTPUTS = ("ApiUrl", "UserPoolId", "UserPoolClientId", "WebAppBucketName", "WebAppDistributionId")


def stack_facts(cloudformation: Any, stack: str) -> tuple[dict[str, str], dict[str, str]]:
    """(outputs, parameters) of a deployed stack."""
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}
    missing = [name for name in REQUIRED_OUTPUTS if name not in outputs]
    if missing:
        raise SystemExit(
            f"stack {stack} has no output {', '.join(missing)}: deploy the current template.yaml first"
        )
    return outputs, parameters


def config_from_stack(outputs: dict[str, str], parameters: dict[str, str], region: str) -> dict[str, Any]:
    """config.json of the deployed app: the same keys the local stack serves (local/webapp.py)."""

    def number(name: str) -> int | None:
        value = parameters.get(name)
        return int(value) if value not in (None, "") else None

    return app_config(
        api_url=outputs["ApiUrl"],
        region=region,
        user_pool_id=outputs["UserPoolId"],
        user_pool_client_id=outputs["UserPoolClientId"],
        cognito_endpoint=f"https://cognito-idp.{region}.amazonaws.com/",
        min_registration_age=number("MinRegistrationAge"),
        max_registration_age=number("MaxRegistrationAge"),
    )


def publish(
    s3: Any,
    cloudfront: Any | None,
    bucket: str,
    distribution_id: str | None,
    config: dict[str, Any],
    web_dir: Path = WEB_DIR,
    dry_run: bool = False,
) -> list[str]:
    """Upload the app and its config; remove what web/ no longer has; invalidate. Returns the keys."""
    files = {name: (web_dir / name).read_bytes() for name in deployable_files(web_dir)}
    files["config.json"] = (json.dumps(config, indent=2) + "\n").encode()
    # The service worker last: a new worker installs the new shell only once every file is there.
    order = sorted(files, key=lambda name: (name == "sw.js", name))
    for name in order:
        print(f"{'would put' if dry_run else 'put'} s3://{bucket}/{name} ({len(files[name])} bytes)")
        if not dry_run:
            s3.put_object(
                Bucket=bucket,
                Key=name,
                Body=files[name],
                ContentType=content_type(name),
                CacheControl=cache_control(name),
            )
    stale = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        stale += [item["Key"] for item in page.get("Contents", []) if item["Key"] not in files]
    for key in stale:
        print(f"{'would delete' if dry_run else 'delete'} s3://{bucket}/{key}")
        if not dry_run:
            s3.delete_object(Bucket=bucket, Key=key)
    if cloudfront is not None and distribution_id and not dry_run:
        cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": str(time.time()),
            },
        )
        print(f"invalidated /* on {distribution_id}")
    return order


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["config", "deploy"])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region", default=None, help="default: AWS_REGION / AWS_DEFAULT_REGION")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    region = session.region_name or "ap-southeast-3"
    outputs, parameters = stack_facts(session.client("cloudformation", region_name=region), args.stack)
    config = config_from_stack(outputs, parameters, region)
    if args.command == "config":
        print(json.dumps(config, indent=2))
        return 0
    publish(
        session.client("s3", region_name=region),
        session.client("cloudfront"),
        outputs["WebAppBucketName"],
        outputs["WebAppDistributionId"],
        config,
        dry_run=args.dry_run,
    )
    print(f"the app: {outputs.get('WebAppUrl', '(no WebAppUrl output)')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
