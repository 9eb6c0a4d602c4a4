import pytest

from sutasoma.api.identity import caller_from_claims, parse_groups
from sutasoma.domain.errors import Forbidden, Unauthorized
from sutasoma.domain.identity import Role


@pytest.mark.parametrize(
    ("raw", "groups"),
    [
        ("[agent]", ["agent"]),
        ("[agent coordinator]", ["agent", "coordinator"]),
        ('["agent","coordinator"]', ["agent", "coordinator"]),
        (["admin"], ["admin"]),
        ("", []),
        (None, []),
    ],
)
def test_groups_in_every_form(raw: object, groups: list[str]) -> None:
    assert parse_groups(raw) == groups


def test_widest_role_wins() -> None:
    caller = caller_from_claims(
        {"sub": "s", "cognito:groups": "[agent coordinator]", "custom:kecamatan": "73.12.04"}
    )
    assert caller.role is Role.COORDINATOR and caller.kecamatan == "73.12.04"


def test_admin_needs_no_kecamatan_and_acts_everywhere() -> None:
    admin = caller_from_claims({"sub": "s", "cognito:groups": "[admin]"})
    assert admin.can_act_in("73.12.01") and admin.can_act_in("73.12.08")


def test_agent_acts_in_own_kecamatan_only() -> None:
    agent = caller_from_claims({"sub": "s", "cognito:groups": "[agent]", "custom:kecamatan": "73.12.04"})
    agent.require_kecamatan("73.12.04")
    with pytest.raises(Forbidden):
        agent.require_kecamatan("73.12.01")


@pytest.mark.parametrize("claims", [None, {}, {"cognito:groups": "[agent]"}])
def test_no_subject_is_unauthorized(claims: dict[str, str] | None) -> None:
    with pytest.raises(Unauthorized):
        caller_from_claims(claims)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "s", "cognito:groups": "[farmer]", "custom:kecamatan": "73.12.04"},
        {"sub": "s", "cognito:groups": "[agent]"},
        {"sub": "s", "cognito:groups": "[agent]", "custom:kecamatan": "73.71.01"},
    ],
)
def test_role_and_kecamatan_are_required(claims: dict[str, str]) -> None:
    with pytest.raises(Forbidden):
        caller_from_claims(claims)


def test_an_access_token_is_told_to_send_the_id_token() -> None:
    # Access tokens carry no custom:kecamatan: "not assigned to a kecamatan" would mislead.
    with pytest.raises(Unauthorized, match="ID token"):
        caller_from_claims({"sub": "s", "cognito:groups": "[agent]", "token_use": "access", "username": "a"})
    id_token = caller_from_claims(
        {"sub": "s", "cognito:groups": "[agent]", "token_use": "id", "custom:kecamatan": "73.12.04"}
    )
    assert id_token.kecamatan == "73.12.04"
