"""The people behind usernames: the agents' names for the report, from the Cognito user pool."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sutasoma.adapters import aws
from sutasoma.runtime.observability import logger


class UserDirectory:
    client = aws.LazyClient("cognito-idp")

    def __init__(self, user_pool_id: str, client: Any | None = None) -> None:
        self.user_pool_id = user_pool_id
        self._client = client

    def names(self) -> dict[str, str]:
        """username -> the `name` attribute, for every user of the pool that has one."""
        found: dict[str, str] = {}
        paginator = self.client.get_paginator("list_users")
        try:
            for page in paginator.paginate(UserPoolId=self.user_pool_id, AttributesToGet=["name"]):
                for user in page.get("Users", []):
                    name = next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "name"), None)
                    if name:
                        found[user["Username"]] = name
        except (ClientError, BotoCoreError) as error:
            # A report with usernames beats no report before the meeting.
            logger.warning("agent names unavailable, usernames shown", extra={"error": type(error).__name__})
            return {}
        return found


class NoDirectory:
    """No user pool configured (tests, tools): every agent shown by username."""

    def names(self) -> dict[str, str]:
        return {}


class CognitoMfa:
    """A user's second factors, as Cognito keeps them (AdminGetUser: UserMFASettingList)."""

    client = aws.LazyClient("cognito-idp")

    def __init__(self, client: Any | None = None) -> None:
        self._client = client

    def totp_enabled(self, user_pool_id: str, username: str) -> bool:
        user = self.client.admin_get_user(UserPoolId=user_pool_id, Username=username)
        return "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or [])
