"""TOTP MFA for staff accounts (docs/decisions.md "Staff MFA"): what a token may say.

Cognito enforces MFA for a whole user pool or not at all; SUTASOMA needs it for coordinators and
admins, optional for agents. The pool's MFA is OPTIONAL with TOTP as the factor: Cognito asks
for the code at every sign-in of a user who has set one up. Before any token is issued, Cognito's
pre-token-generation trigger (functions/token_gate) asks here: a staff account without TOTP gets
a token without its groups - no role, so every route answers 403 MFA_REQUIRED - and a claim that
says why. That token still lets the user set up an authenticator (AssociateSoftwareToken and
VerifySoftwareToken take the access token); the next sign-in asks for the code and the token has
the groups again. An agent's token is never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sutasoma.domain.identity import MFA_REQUIRED, Role
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import MfaFactors

MFA_SETUP_CLAIM = "mfa_setup_required"


@dataclass(frozen=True)
class TokenDecision:
    groups: tuple[str, ...] | None = None  # the token's groups instead of the user's; None: unchanged
    claims: dict[str, str] = field(default_factory=dict)  # added to the ID token

    @property
    def unchanged(self) -> bool:
        return self.groups is None and not self.claims


def needs_mfa(groups: Sequence[str]) -> bool:
    return any(role.value in groups for role in MFA_REQUIRED)


class StaffMfa:
    def __init__(self, factors: MfaFactors, required: bool = True) -> None:
        self.factors = factors
        self.required = required

    def token(self, user_pool_id: str, username: str, groups: Sequence[str]) -> TokenDecision:
        """What the token of this user may carry, at sign-in or at a refresh."""
        if not self.required or not needs_mfa(groups):
            return TokenDecision()
        if self.factors.totp_enabled(user_pool_id, username):
            return TokenDecision()
        kept = tuple(g for g in groups if g not in {r.value for r in (*MFA_REQUIRED, Role.AGENT)})
        logger.warning("staff token without its roles: no TOTP set up", extra={"groups": sorted(groups)})
        return TokenDecision(groups=kept, claims={MFA_SETUP_CLAIM: "true"})
