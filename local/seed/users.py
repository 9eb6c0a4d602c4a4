"""Demo users in the embedded Cognito: for each of Soppeng's 8 kecamatan an agent
(`agen.<kecamatan>`) and a coordinator (`koordinator.<kecamatan>`), plus one `admin`; each in the
group named after their role, with `custom:kecamatan` set (not for the admin) and a permanent
password. Soppeng's kecamatan come from the product's places list (sutasoma.domain.places)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sutasoma.domain.places import Kecamatan, kecamatan_codes, places

log = logging.getLogger("local.seed")


DEMO_PASSWORD = "Soppeng-Demo-2026"  # nosec B105 # - the demo password of the local stack, printed in its banner (meets the pool's policy)


def soppeng_kecamatan() -> tuple[Kecamatan, ...]:
    """Soppeng's 8 kecamatan in code order, with their villages: the product's places list."""
    known = places()
    found = tuple(known.kecamatan[code] for code in kecamatan_codes())
    if len(found) != 8:
        raise ValueError(f"expected Soppeng's 8 kecamatan, found {len(found)}")
    return found


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str  # agent | coordinator | admin: also the Cognito group
    kecamatan: str | None  # e.g. 73.12.04; None for the admin
    full_name: str = ""  # Cognito `name`: how the report shows the agent

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def slug(name: str) -> str:
    return "-".join(name.lower().split())


# (agent, coordinator) per kecamatan in code order: invented names, as they would read in Soppeng.
DEMO_NAMES = (
    ("Andi Baso Tenri", "Hj. Nurhayati Lamba"), ("Muh. Arsyad Latif", "Sitti Aminah Puang"),
    ("Hasnawati Laupe", "Andi Muh. Idris"), ("Syamsul Bahri", "Hj. Rosmini Daeng"),
    ("Nurlina Sappe", "Abdul Rahman Tahir"), ("Ismail Pananrang", "Andi Sri Wahyuni"),
    ("Rahmawati Beddu", "Muh. Yusuf Lanti"), ("Amiruddin Kasim", "Hj. Salmawati Pabe"),
)  # fmt: skip


def demo_users(soppeng: Sequence[Kecamatan], password: str = DEMO_PASSWORD) -> list[DemoUser]:
    users: list[DemoUser] = []
    for kec, (agent, coordinator) in zip(soppeng, DEMO_NAMES, strict=True):
        users.append(DemoUser(f"agen.{slug(kec.name)}", password, "agent", kec.code, agent))
        users.append(
            DemoUser(f"koordinator.{slug(kec.name)}", password, "coordinator", kec.code, coordinator)
        )
    users.append(DemoUser("admin", password, "admin", None, "Admin Dinas Pertanian"))
    return users


def create_demo_users(idp: Any, user_pool_id: str, users: list[DemoUser]) -> None:
    """Create the users (idempotent: an existing user gets its password and group again)."""
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=user_pool_id)["Groups"]}
    missing = {u.role for u in users} - groups
    if missing:
        raise RuntimeError(f"template.yaml declares no Cognito group(s) {sorted(missing)}")
    for user in users:
        attributes = [{"Name": "custom:kecamatan", "Value": user.kecamatan}] if user.kecamatan else []
        if user.full_name:
            attributes.append({"Name": "name", "Value": user.full_name})
        with contextlib.suppress(idp.exceptions.UsernameExistsException):
            idp.admin_create_user(
                UserPoolId=user_pool_id,
                Username=user.username,
                UserAttributes=attributes,
                MessageAction="SUPPRESS",  # no invitation: the password is set just below
            )
        if attributes:  # an existing user gets them again too
            idp.admin_update_user_attributes(
                UserPoolId=user_pool_id, Username=user.username, UserAttributes=attributes
            )
        idp.admin_set_user_password(
            UserPoolId=user_pool_id, Username=user.username, Password=user.password, Permanent=True
        )
        idp.admin_add_user_to_group(UserPoolId=user_pool_id, Username=user.username, GroupName=user.role)
    log.info("demo users ready: %d", len(users))


def id_token(idp: Any, client_id: str, username: str, password: str) -> str:
    """The ID token the app sends (custom:kecamatan is only in ID tokens)."""
    result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])
