"""Who may look after a farmer, from the Cognito user pool: the agents and coordinators with their
kecamatan (`custom:kecamatan`), read with ListUsersInGroup once per file check (an import's
"Username Agen" column is checked against it)."""

from __future__ import annotations

from typing import Any

from sutasoma.adapters import aws
from sutasoma.domain.import_rows import AgentAccount

FIELD_GROUPS = ("agent", "coordinator")


class CognitoAgents:
    client = aws.LazyClient("cognito-idp")

    def __init__(
        self, user_pool_id: str, groups: tuple[str, ...] = FIELD_GROUPS, client: Any | None = None
    ) -> None:
        self.user_pool_id = user_pool_id
        self.groups = groups
        self._client = client

    def accounts(self) -> dict[str, AgentAccount]:
        """Enabled users of the field groups that have a kecamatan, by casefolded username."""
        found: dict[str, AgentAccount] = {}
        paginator = self.client.get_paginator("list_users_in_group")
        for group in self.groups:
            for page in paginator.paginate(UserPoolId=self.user_pool_id, GroupName=group):
                for user in page.get("Users", []):
                    account = _account(user)
                    if account is not None:
                        found.setdefault(account.username.casefold(), account)
        return found


def _account(user: dict[str, Any]) -> AgentAccount | None:
    attributes = {a["Name"]: a.get("Value", "") for a in user.get("Attributes", [])}
    kecamatan = attributes.get("custom:kecamatan")
    if not kecamatan or user.get("Enabled", True) is False:
        return None
    return AgentAccount(username=str(user["Username"]), sub=attributes.get("sub", ""), kecamatan=kecamatan)
