"""Demo users in the embedded Cognito, and demo farmers registered through the HTTP API.

Users: for each of Soppeng's 8 kecamatan an agent (`agen.<kecamatan>`) and a coordinator
(`koordinator.<kecamatan>`), plus one `admin`; each in the group named after their role, with
`custom:kecamatan` set (not for the admin) and a permanent password.

Farmers go through `POST /farmers` with the ID token of their kecamatan's agent, exactly as
the app would send them, so the seed exercises the real validation and storage path. The data
is generated from a fixed random seed: every run produces the same farmers.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import random
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger("local.seed")

DEMO_PASSWORD = "Soppeng-Demo-2026"  # meets the pool's policy: 10+ chars, upper, lower, digit
REGENCY_CODE = "73.12"  # Kabupaten Soppeng
WILAYAH_CSV = Path("layers/common/sutasoma/data/soppeng_wilayah.csv")
SEED = "sutasoma-demo-v1"
_SEED_NAMESPACE = uuid.UUID("5b0f7c52-1f2e-4d8e-9a55-2d0d3c1f0a11")


@dataclass(frozen=True)
class Place:
    code: str
    name: str


@dataclass(frozen=True)
class Wilayah:
    """Soppeng's kecamatan and their villages (Kemendagri codes)."""

    kecamatan: tuple[Place, ...]
    villages: dict[str, tuple[Place, ...]]  # kecamatan code -> its villages

    @classmethod
    def load(cls, csv_path: Path) -> Wilayah:
        kecamatan: list[Place] = []
        villages: dict[str, list[Place]] = {}
        with csv_path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                code, name, level = row["code"], row["name"], row["level"]
                if not code.startswith(REGENCY_CODE + "."):
                    continue
                if level == "kecamatan":
                    kecamatan.append(Place(code, name))
                elif level in ("desa", "kelurahan"):
                    villages.setdefault(code.rsplit(".", 1)[0], []).append(Place(code, name))
        if len(kecamatan) != 8:
            raise ValueError(f"{csv_path}: expected Soppeng's 8 kecamatan, found {len(kecamatan)}")
        return cls(tuple(kecamatan), {k: tuple(v) for k, v in villages.items()})


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str  # agent | coordinator | admin: also the Cognito group
    kecamatan: str | None  # e.g. 73.12.04; None for the admin

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


def demo_users(wilayah: Wilayah, password: str = DEMO_PASSWORD) -> list[DemoUser]:
    users: list[DemoUser] = []
    for kec in wilayah.kecamatan:
        users.append(DemoUser(f"agen.{_slug(kec.name)}", password, "agent", kec.code))
        users.append(DemoUser(f"koordinator.{_slug(kec.name)}", password, "coordinator", kec.code))
    users.append(DemoUser("admin", password, "admin", None))
    return users


def create_demo_users(idp: Any, user_pool_id: str, users: list[DemoUser]) -> None:
    """Create the users (idempotent: an existing user gets its password and group again)."""
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=user_pool_id)["Groups"]}
    missing = {u.role for u in users} - groups
    if missing:
        raise RuntimeError(f"template.yaml declares no Cognito group(s) {sorted(missing)}")
    for user in users:
        attributes = [{"Name": "custom:kecamatan", "Value": user.kecamatan}] if user.kecamatan else []
        with contextlib.suppress(idp.exceptions.UsernameExistsException):
            idp.admin_create_user(
                UserPoolId=user_pool_id,
                Username=user.username,
                UserAttributes=attributes,
                MessageAction="SUPPRESS",  # no invitation: the password is set just below
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


# ---------------------------------------------------------------------------------- demo farmers

_WOMEN = (
    "Hasnah", "Rahmawati", "Nurhayati", "Hj. Besse Sitti", "St. Aisyah", "Marlina", "Indo Tang",
    "Hadijah", "Nurbaya", "Sukmawati", "Andi Ratna", "Jumriati",
)  # fmt: skip
_MEN = (
    "La Tahang", "Andi Baso", "Muhammad Arif", "Syamsuddin", "Abdul Rahman", "Ambo Dalle",
    "Baharuddin", "Haeruddin", "Lukman", "Sudirman", "Andi Mappasessu", "Mustari",
)  # fmt: skip
_DUSUN = ("Bulu", "Ujung", "Tanete", "Lompo", "Kampiri", "Cenrana", "Salo", "Watu", "Attang Salo")
_COMMODITIES = ("padi", "padi", "padi", "jagung", "kakao", "kedelai")


@dataclass
class DemoFarmer:
    agent: str  # username of the agent who registers the farmer
    idempotency_key: str
    body: dict[str, Any] = field(default_factory=dict)


def make_nik(district: str, birth: date, sex: str, serial: int) -> str:
    """NIK = PP KK SS DDMMYY NNNN; women have 40 added to the day of birth."""
    day = birth.day + (40 if sex == "F" else 0)
    return f"7312{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def demo_farmers(wilayah: Wilayah, per_kecamatan: int = 3, today: date | None = None) -> list[DemoFarmer]:
    """Deterministic demo farmers: the same random seed gives the same people on every run."""
    rng = random.Random(SEED)
    today = today or date.today()
    farmers: list[DemoFarmer] = []
    used_niks: set[str] = set()
    for kec in wilayah.kecamatan:
        district = kec.code.rsplit(".", 1)[1]
        villages = wilayah.villages[kec.code]
        for n in range(per_kecamatan):
            sex = "F" if rng.random() < 0.4 else "M"
            # Ages 20-60 in years of birth: whatever the birthday, the age is inside 17-65.
            birth = date(today.year - rng.randint(20, 60), rng.randint(1, 12), rng.randint(1, 28))
            while True:
                nik = make_nik(district, birth, sex, rng.randint(1, 9999))
                if nik not in used_niks:
                    used_niks.add(nik)
                    break
            village = rng.choice(villages)
            full_name = rng.choice(_WOMEN if sex == "F" else _MEN)
            heirs = []
            if rng.random() < 0.7:
                heirs.append(
                    {
                        "full_name": rng.choice(_MEN if sex == "F" else _WOMEN),
                        "relationship": "spouse",
                        "phone": f"0852{rng.randint(0, 99_999_999):08d}",
                    }
                )
            body = {
                "nik": nik,
                "full_name": full_name,
                "birth_date": birth.isoformat(),
                "sex": sex,
                "phone": f"0812{rng.randint(0, 99_999_999):08d}",
                "kecamatan_code": kec.code,
                "village_code": village.code,
                "address": f"Dusun {rng.choice(_DUSUN)}, RT {rng.randint(1, 5):03d}/RW {rng.randint(1, 3):03d}",
                "commodity": rng.choice(_COMMODITIES),
                "monthly_income": rng.choice((1_000_000, 1_000_000, 1_500_000, 2_000_000)),
                "heirs": heirs,
                "consent": True,
            }
            key = str(uuid.uuid5(_SEED_NAMESPACE, f"farmer/{kec.code}/{n}"))
            farmers.append(DemoFarmer(agent=f"agen.{_slug(kec.name)}", idempotency_key=key, body=body))
    return farmers


@dataclass
class SeedReport:
    created: int = 0
    existing: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.existing} already registered, {self.failed} failed"


def seed_farmers(
    api_url: str,
    idp: Any,
    client_id: str,
    users: list[DemoUser],
    farmers: list[DemoFarmer],
) -> SeedReport:
    """POST each demo farmer with its agent's ID token. A 409 NIK_ALREADY_REGISTERED is fine."""
    passwords = {u.username: u.password for u in users}
    tokens: dict[str, str] = {}
    report = SeedReport()
    # trust_env=False: never through a proxy, the API is on 127.0.0.1.
    with httpx.Client(base_url=api_url, timeout=30.0, trust_env=False) as http:
        for farmer in farmers:
            if farmer.agent not in tokens:
                tokens[farmer.agent] = id_token(idp, client_id, farmer.agent, passwords[farmer.agent])
            response = http.post(
                "/farmers",
                json=farmer.body,
                headers={
                    "Authorization": f"Bearer {tokens[farmer.agent]}",
                    "Idempotency-Key": farmer.idempotency_key,
                },
            )
            code = _problem_code(response)
            if response.status_code == 201:
                report.created += 1
            elif response.status_code == 409 and code == "NIK_ALREADY_REGISTERED":
                report.existing += 1
            else:
                report.failed += 1
                # Status and stable code only: the response may echo personal data.
                log.warning(
                    "seed: POST /farmers by %s -> %s %s%s",
                    farmer.agent,
                    response.status_code,
                    code or "",
                    _fields(response),
                )
    return report


def _problem_code(response: httpx.Response) -> str | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return str(payload.get("code")) if isinstance(payload, dict) and payload.get("code") else None


def _fields(response: httpx.Response) -> str:
    """Names of the invalid fields of a 422 (never their values or messages)."""
    try:
        errors = response.json().get("errors") or []
        names = sorted({str(e.get("field")) for e in errors if isinstance(e, dict)})
    except (ValueError, AttributeError):
        return ""
    return f" fields={names}" if names else ""
