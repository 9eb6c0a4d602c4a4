"""Fake credentials and no way out: what every local/ entry point sets before boto3 exists."""

from __future__ import annotations

import os

from local.template.specs import REGION

# Never a real account, never a real endpoint: set before any boto3 client exists.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105 # - fake credentials that keep local calls away from AWS
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAM_CLI_TELEMETRY": "0",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
    # A shared config/credentials file could name a profile with a real endpoint or role.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    # moto's Cognito checks TOTP codes (one fixed secret for every user: docs/local-stack.md).
    "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
}
_DROPPED_AWS_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def isolate_environment() -> None:
    """Fake credentials and no way out: call before anything creates a boto3 client."""
    for name in list(os.environ):
        if name in _DROPPED_AWS_ENV or name.startswith("AWS_ENDPOINT_URL"):
            del os.environ[name]
    os.environ.update(FAKE_AWS_ENV)
    # Local calls must not go through an HTTP proxy (botocore and httpx honour NO_PROXY).
    no_proxy = [h for h in os.environ.get("NO_PROXY", "").split(",") if h]
    for host in ("127.0.0.1", "localhost"):
        if host not in no_proxy:
            no_proxy.append(host)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(no_proxy)
