"""Staff accounts (issue 14): TOTP MFA required for admins and coordinators, optional for agents
(docs/decisions.md "Staff MFA"); threat protection in prod; the password policy. The template
states it; the token gate (app/staff_mfa.py, functions/token_gate) decides each token; the API
says why a staff token without a role is refused. tests/local/test_staff_mfa.py runs it all on
moto's Cognito."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.template.cfn_yaml import load_yaml
from sutasoma.api.identity import caller_from_claims
from sutasoma.app.staff_mfa import MFA_SETUP_CLAIM, StaffMfa, TokenDecision
from sutasoma.domain.errors import Forbidden, MfaRequired

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_yaml(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
POOL = RESOURCES["UserPool"]["Properties"]


class Factors:
    def __init__(self, *with_totp: str) -> None:
        self.with_totp = set(with_totp)
        self.asked: list[tuple[str, str]] = []

    def totp_enabled(self, user_pool_id: str, username: str) -> bool:
        self.asked.append((user_pool_id, username))
        return username in self.with_totp


# ---------------------------------------------------------------------------------- the template


def test_the_pool_offers_totp_and_the_trigger_requires_it_of_staff() -> None:
    assert POOL["MfaConfiguration"] == "OPTIONAL"  # per group: Cognito has no such setting
    assert POOL["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    gate = RESOURCES["TokenGateFunction"]["Properties"]
    (event,) = gate["Events"].values()
    assert event["Type"] == "Cognito"
    assert event["Properties"] == {"UserPool": {"Ref": "UserPool"}, "Trigger": "PreTokenGeneration"}
    assert gate["Environment"]["Variables"]["STAFF_MFA"] == {"Ref": "StaffMfa"}
    parameter = TEMPLATE["Parameters"]["StaffMfa"]
    assert parameter["Default"] == "required" and parameter["AllowedValues"] == ["required", "optional"]
    (rule,) = TEMPLATE["Rules"].values()
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "StaffMfa"}, "required"]}
    # The function may not refer to the pool (the pool refers to it): AdminGetUser by pattern.
    (statement,) = gate["Policies"][0]["Statement"]
    assert statement["Action"] == "cognito-idp:AdminGetUser"
    assert "UserPool" not in str({k: v for k, v in gate.items() if k != "Events"})


def test_threat_protection_is_enforced_in_prod() -> None:
    assert POOL["UserPoolAddOns"]["AdvancedSecurityMode"] == {"Fn::If": ["IsProd", "ENFORCED", "OFF"]}
    assert POOL["UserPoolTier"] == {"Fn::If": ["IsProd", "PLUS", "ESSENTIALS"]}
    risk = RESOURCES["UserPoolRiskConfiguration"]
    assert risk["Condition"] == "IsProd" and risk["Properties"]["ClientId"] == "ALL"
    actions = risk["Properties"]["AccountTakeoverRiskConfiguration"]["Actions"]
    assert {level: a["EventAction"] for level, a in actions.items()} == {
        "LowAction": "MFA_IF_CONFIGURED", "MediumAction": "MFA_IF_CONFIGURED", "HighAction": "MFA_REQUIRED",
    }  # fmt: skip
    leaked = risk["Properties"]["CompromisedCredentialsRiskConfiguration"]
    assert leaked["Actions"]["EventAction"] == "BLOCK" and "SIGN_IN" in leaked["EventFilter"]


def test_the_password_policy_is_stated() -> None:
    policy = POOL["Policies"]["PasswordPolicy"]
    assert policy == {
        "MinimumLength": 12, "RequireLowercase": True, "RequireUppercase": True, "RequireNumbers": True,
        "RequireSymbols": True, "PasswordHistorySize": 5, "TemporaryPasswordValidityDays": 3,
    }  # fmt: skip
    assert POOL["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Name": "admin_only", "Priority": 1}]
    assert POOL["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_the_demo_password_meets_the_policy() -> None:
    from local.seed.users import DEMO_PASSWORD

    assert len(DEMO_PASSWORD) >= 12
    assert any(c.islower() for c in DEMO_PASSWORD) and any(c.isupper() for c in DEMO_PASSWORD)
    assert any(c.isdigit() for c in DEMO_PASSWORD) and any(not c.isalnum() for c in DEMO_PASSWORD)


# ---------------------------------------------------------------------------------- the gate


@pytest.mark.parametrize("groups", [["admin"], ["coordinator"], ["agent", "coordinator"]])
def test_a_staff_account_without_totp_gets_a_token_without_its_role(groups: list[str]) -> None:
    decision = StaffMfa(Factors()).token("pool", "koordinator.lalabata", groups)
    assert decision == TokenDecision(groups=(), claims={MFA_SETUP_CLAIM: "true"})


def test_a_staff_account_with_totp_keeps_its_token() -> None:
    factors = Factors("admin")
    assert StaffMfa(factors).token("pool", "admin", ["admin"]).unchanged
    assert factors.asked == [("pool", "admin")]


def test_agents_and_the_optional_setting_never_change_a_token() -> None:
    factors = Factors()
    assert StaffMfa(factors).token("pool", "agen.lalabata", ["agent"]).unchanged
    assert StaffMfa(factors, required=False).token("pool", "admin", ["admin"]).unchanged
    assert factors.asked == []  # nothing to look up


def test_the_api_says_why_a_staff_token_without_a_role_is_refused() -> None:
    claims: dict[str, Any] = {
        "sub": "s",
        "token_use": "id",
        "cognito:username": "admin",
        MFA_SETUP_CLAIM: "true",
    }
    with pytest.raises(MfaRequired) as refused:
        caller_from_claims(claims)
    assert (refused.value.status, refused.value.code) == (403, "MFA_REQUIRED")
    with pytest.raises(Forbidden) as no_role:
        caller_from_claims({"sub": "s", "token_use": "id"})
    assert no_role.value.code == "FORBIDDEN"
