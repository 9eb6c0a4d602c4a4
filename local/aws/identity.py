"""Cognito user pools, their clients and groups, and Secrets Manager secrets, created in moto."""

from __future__ import annotations

import json
import logging
import secrets
import string
from collections.abc import Mapping
from typing import Any

from local.aws.properties import tags_dict, warn_unapplied
from local.aws.server import Clients
from local.template.cfn_yaml import TemplateError
from local.template.specs import Physical, physical_name

log = logging.getLogger("local.aws")

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
    _enable_mfas(idp, pool_id, props)
    warn_unapplied(
        logical_id, props, {*_USER_POOL_PASSTHROUGH, "UserPoolName", "EnabledMfas"},
        # Triggers come from the functions' `Cognito` events (local/cognito.py); a LambdaConfig
        # written in the pool's own properties would be noticed here.
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


def _enable_mfas(idp: Any, pool_id: str, props: dict[str, Any]) -> None:
    """EnabledMfas (CloudFormation only): TOTP is the factor moto's Cognito supports."""
    enabled = props.get("EnabledMfas") or []
    if "SOFTWARE_TOKEN_MFA" in enabled:
        idp.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration=props.get("MfaConfiguration", "OFF"),
        )
    for factor in set(enabled) - {"SOFTWARE_TOKEN_MFA"}:
        log.warning("user pool %s: %s is not set up locally (no SMS or e-mail locally)", pool_id, factor)


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
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags_dict(props["Tags"]).items()]
    arn = sm.create_secret(**kwargs)["ARN"]
    return Physical(ref=arn, attrs={"Id": arn})


# CloudFormation property -> SNS topic attribute of the same meaning.
