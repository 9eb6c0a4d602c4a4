"""Cognito's pre-token-generation trigger (V1 event): staff accounts without TOTP get a token
without their roles (sutasoma.app.staff_mfa; docs/decisions.md "Staff MFA").

Cognito calls it before it issues tokens, at sign-in and at every refresh; what it answers in
`response.claimsOverrideDetails` changes the ID token's claims and both tokens' `cognito:groups`.
An error here fails the sign-in: a staff account is never let through by mistake.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, tracer
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.platform import TokenGateSettings

SETTINGS = SettingsSource(TokenGateSettings)  # validated now: a missing variable fails the cold start


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # tokens' claims: personal data
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event.get("request") or {}
    groups = list((request.get("groupConfiguration") or {}).get("groupsToOverride") or [])
    decision = wiring.staff_mfa(SETTINGS.get()).token(
        str(event["userPoolId"]), str(event["userName"]), groups
    )
    if not decision.unchanged:
        override: dict[str, Any] = {"claimsToAddOrOverride": decision.claims}
        if decision.groups is not None:
            override["groupOverrideDetails"] = {"groupsToOverride": list(decision.groups)}
        event["response"] = {**(event.get("response") or {}), "claimsOverrideDetails": override}
    logger.info(
        "token issued", extra={"trigger": event.get("triggerSource"), "changed": not decision.unchanged}
    )
    return event
