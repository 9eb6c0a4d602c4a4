"""Staff MFA honoured by the local stack, as far as moto's Cognito can (issue 14).

The real template's user pool (MFA OPTIONAL, TOTP enabled) is created in moto, and its
pre-token-generation trigger (TokenGateFunction, its `Cognito` event) runs in-process on every
token moto signs (local/cognito.py, moto_patches.cognito_pre_token_generation), with
StaffMfa=required. moto checks TOTP codes (MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP, one fixed
secret for every user); the codes here are computed from the secret moto hands out (RFC 6238).
What moto cannot do, and AWS does: threat protection, adaptive authentication, the password
history, remembered devices."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from local.aws.identity import create_user_pool, create_user_pool_client, create_user_pool_group
from local.cognito import start_cognito_triggers, stop_cognito_triggers
from local.environment import FAKE_AWS_ENV
from local.functions import LocalFunction
from local.loader import applied_environment
from local.template.specs import Physical
from local.template.template import Template
from sutasoma.api.identity import caller_from_claims
from sutasoma.domain.errors import MfaRequired
from sutasoma.domain.identity import Role
from tests.local.conftest import Moto

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Soppeng-Demo-2026"
_names = itertools.count(1)


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int((at or time.time()) // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def fresh_code(secret: str) -> str:
    if time.time() % 30 > 27:  # too close to the next step: moto checks the current one only
        time.sleep(30 - time.time() % 30 + 0.1)
    return totp(secret)


class Pool:
    """The template's pool, client, groups and token gate in moto, with StaffMfa as asked."""

    def __init__(self, moto: Moto, staff_mfa: str) -> None:
        n = next(_names)
        template = Template(REPO_ROOT / "template.yaml", parameter_overrides={"StaffMfa": staff_mfa})
        refs: dict[str, Physical] = {lid: _placeholder(lid) for lid in template.resources()}
        pool_props = template.resolve(template.properties("UserPool"), refs) | {"UserPoolName": f"mfa-{n}"}
        self.pool_id = str(create_user_pool(moto.clients, "UserPool", pool_props).ref)
        refs["UserPool"] = Physical(
            ref=self.pool_id, attrs={"Arn": f"arn:aws:cognito-idp:::userpool/{self.pool_id}"}
        )
        client_props = template.resolve(template.properties("UserPoolClient"), refs)
        self.client_id = str(create_user_pool_client(moto.clients, "UserPoolClient", client_props).ref)
        for group in ("AgentGroup", "CoordinatorGroup", "AdminGroup"):
            create_user_pool_group(moto.clients, group, template.resolve(template.properties(group), refs))
        (spec,) = [f for f in template.functions(refs) if f.logical_id == "TokenGateFunction"]
        environment = {
            **FAKE_AWS_ENV,
            **spec.environment,
            "AWS_ENDPOINT_URL": moto.url,
            "TABLE_NAME": "unused",
        }
        self.environment = environment
        with applied_environment(environment):
            self.gate = LocalFunction(spec, instance=n)
            self.gate.load()
        assert self.gate.load_error is None, self.gate.load_error
        self.idp = moto("cognito-idp")

    def user(self, username: str, role: str, kecamatan: str | None = "73.12.04") -> None:
        attributes = [{"Name": "custom:kecamatan", "Value": kecamatan}] if kecamatan else []
        self.idp.admin_create_user(UserPoolId=self.pool_id, Username=username, UserAttributes=attributes,
                                   MessageAction="SUPPRESS")  # fmt: skip
        self.idp.admin_set_user_password(UserPoolId=self.pool_id, Username=username, Password=PASSWORD,
                                         Permanent=True)  # fmt: skip
        self.idp.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username, GroupName=role)

    def sign_in(self, username: str) -> dict[str, Any]:
        with applied_environment(self.environment):
            answer: dict[str, Any] = self.idp.initiate_auth(
                ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            )  # fmt: skip
        return answer

    def answer_code(self, username: str, session: str, code: str) -> dict[str, Any]:
        with applied_environment(self.environment):
            answer: dict[str, Any] = self.idp.respond_to_auth_challenge(
                ClientId=self.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=session,
                ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
            )  # fmt: skip
        return answer

    def set_up_totp(self, access_token: str) -> str:
        """What a user does in an authenticator app: scan the secret, confirm a code, prefer it."""
        secret = str(self.idp.associate_software_token(AccessToken=access_token)["SecretCode"])
        verified = self.idp.verify_software_token(AccessToken=access_token, UserCode=fresh_code(secret))
        assert verified["Status"] == "SUCCESS"
        self.idp.set_user_mfa_preference(
            AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
        return secret


def _placeholder(logical_id: str) -> Physical:
    arn = f"arn:aws:sqs:ap-southeast-3:123456789012:{logical_id}"
    attrs = {
        "Arn": arn, "QueueName": logical_id, "StreamArn": f"{arn}/stream/x", "DomainName": logical_id,
        "RegionalDomainName": logical_id, "UserPoolId": logical_id,
    }  # fmt: skip
    return Physical(ref=f"ref-{logical_id}", attrs=attrs)


def claims_of(tokens: dict[str, Any], which: str = "IdToken") -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        tokens["AuthenticationResult"][which], options={"verify_signature": False}
    )
    return claims


def authorizer_claims(claims: dict[str, Any]) -> dict[str, str]:
    """As the HttpApi JWT authorizer hands them on: every value a string, arrays as "[a b]"."""
    return {k: f"[{' '.join(v)}]" if isinstance(v, list) else str(v) for k, v in claims.items()}


@pytest.fixture
def required(moto: Moto) -> Iterator[Pool]:
    os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"  # as local.environment sets it
    pool = Pool(moto, "required")
    start_cognito_triggers([pool.gate])
    try:
        yield pool
    finally:
        stop_cognito_triggers([pool.gate])


def test_the_template_s_pool_asks_totp_of_those_who_set_it_up(required: Pool) -> None:
    mfa = required.idp.get_user_pool_mfa_config(UserPoolId=required.pool_id)
    assert mfa["MfaConfiguration"] == "OPTIONAL"
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_an_admin_without_totp_gets_no_role_until_totp_is_set_up(required: Pool) -> None:
    required.user("admin.mfa", "admin", kecamatan=None)
    first = required.sign_in("admin.mfa")
    claims = claims_of(first)
    assert "cognito:groups" not in claims and claims["mfa_setup_required"] == "true"
    assert "cognito:groups" not in claims_of(first, "AccessToken")
    with pytest.raises(MfaRequired):  # every route of the API: 403 MFA_REQUIRED
        caller_from_claims(authorizer_claims(claims))
    # The roleless token still sets up an authenticator; then Cognito asks for the code.
    secret = required.set_up_totp(first["AuthenticationResult"]["AccessToken"])
    challenge = required.sign_in("admin.mfa")
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in challenge
    with pytest.raises(ClientError) as wrong:
        required.answer_code("admin.mfa", challenge["Session"], f"{(int(totp(secret)) + 1) % 1_000_000:06d}")
    assert wrong.value.response["Error"]["Code"] == "CodeMismatchException"
    challenge = required.sign_in("admin.mfa")
    tokens = required.answer_code("admin.mfa", challenge["Session"], fresh_code(secret))
    claims = claims_of(tokens)
    assert claims["cognito:groups"] == ["admin"] and "mfa_setup_required" not in claims
    assert caller_from_claims(authorizer_claims(claims)).role is Role.ADMIN


def test_a_coordinator_needs_it_too_an_agent_does_not(required: Pool) -> None:
    required.user("koordinator.mfa", "coordinator")
    required.user("agen.mfa", "agent")
    assert "cognito:groups" not in claims_of(required.sign_in("koordinator.mfa"))
    agent = claims_of(required.sign_in("agen.mfa"))
    assert agent["cognito:groups"] == ["agent"] and "mfa_setup_required" not in agent
    assert caller_from_claims(authorizer_claims(agent)).role is Role.AGENT


def test_an_agent_who_sets_up_totp_is_asked_for_it(required: Pool) -> None:
    required.user("agen.totp", "agent")
    secret = required.set_up_totp(required.sign_in("agen.totp")["AuthenticationResult"]["AccessToken"])
    challenge = required.sign_in("agen.totp")
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    tokens = required.answer_code("agen.totp", challenge["Session"], fresh_code(secret))
    assert claims_of(tokens)["cognito:groups"] == ["agent"]


def test_with_staff_mfa_optional_the_demo_admin_keeps_its_role(moto: Moto) -> None:
    pool = Pool(moto, "optional")
    start_cognito_triggers([pool.gate])
    try:
        pool.user("admin.demo", "admin", kecamatan=None)
        assert claims_of(pool.sign_in("admin.demo"))["cognito:groups"] == ["admin"]
    finally:
        stop_cognito_triggers([pool.gate])


def test_the_local_stack_defaults_to_optional_and_says_so() -> None:
    from local.stack import LOCAL_PARAMETER_DEFAULTS, LocalStack, StackOptions

    assert LOCAL_PARAMETER_DEFAULTS == {"StaffMfa": "optional"}
    assert LocalStack(StackOptions()).parameters()["StaffMfa"] == "optional"
    told = LocalStack(StackOptions(parameter_overrides={"StaffMfa": "required"}))
    assert told.parameters()["StaffMfa"] == "required"
