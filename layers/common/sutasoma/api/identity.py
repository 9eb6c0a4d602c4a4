"""Who is calling, from the JWT claims the HttpApi authorizer hands to the function.

The authorizer passes every claim as a string: `cognito:groups` arrives as
`"[agent coordinator]"`. `custom:kecamatan` is in ID tokens only, so clients send the ID token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sutasoma.domain.errors import Forbidden, MfaRequired, Unauthorized
from sutasoma.domain.identity import ROLE_ORDER, Caller, Role
from sutasoma.domain.places import is_kecamatan


def parse_groups(raw: Any) -> list[str]:
    """Groups as a list, from the authorizer's string form or a real JSON list."""
    if raw is None:
        return []
    if isinstance(raw, list):
        return [str(g) for g in raw]
    text = str(raw).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [g.strip().strip('"') for g in text.replace(",", " ").split() if g.strip().strip('"')]


def caller_from_claims(claims: Mapping[str, Any] | None, request_id: str | None = None) -> Caller:
    if not claims or not claims.get("sub"):
        raise Unauthorized("Token tidak ada atau tidak valid.")
    if claims.get("token_use") == "access":
        # An access token carries no custom:kecamatan: say what to send instead of "not assigned".
        raise Unauthorized("Yang dikirim token akses: kirim ID token (IdToken) dari hasil login.")
    groups = set(parse_groups(claims.get("cognito:groups")))
    role = next((r for r in ROLE_ORDER if r.value in groups), None)
    if role is None and str(claims.get("mfa_setup_required", "")).lower() == "true":
        # functions/token_gate: a staff account without TOTP gets a token without its roles.
        raise MfaRequired(
            "Akun staf wajib memakai MFA: pasang aplikasi autentikator (TOTP), lalu masuk kembali."
        )
    if role is None:
        raise Forbidden("Akun Anda belum diberi peran (agent, coordinator, atau admin).")
    kecamatan = str(claims.get("custom:kecamatan") or "").strip() or None
    if role is not Role.ADMIN and (kecamatan is None or not is_kecamatan(kecamatan)):
        raise Forbidden("Akun Anda belum ditugaskan ke kecamatan di Kabupaten Soppeng.")
    username = str(claims.get("cognito:username") or claims.get("username") or claims["sub"])
    full_name = str(claims.get("name") or "").strip() or None
    return Caller(
        sub=str(claims["sub"]), username=username, role=role, kecamatan=kecamatan, full_name=full_name,
        request_id=request_id,
    )  # fmt: skip
