"""Demo farmers: registered through `POST /farmers` with the ID token of their kecamatan's agent,
exactly as the app would send them, so the seed exercises the real validation and storage path.
The data comes from a fixed random seed: every run produces the same farmers, with valid NIKs
(built by the product's `compose_nik`) and villages of their kecamatan."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from local.seed.users import DemoUser, id_token, slug
from sutasoma.domain.nik import Sex, compose_nik
from sutasoma.domain.places import Kecamatan

log = logging.getLogger("local.seed")


SEED = "sutasoma-demo-v1"
SEED_NAMESPACE = uuid.UUID("5b0f7c52-1f2e-4d8e-9a55-2d0d3c1f0a11")
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


def demo_farmers(
    soppeng: Sequence[Kecamatan], per_kecamatan: int = 3, today: date | None = None
) -> list[DemoFarmer]:
    """Deterministic demo farmers: the same random seed gives the same people on every run."""
    rng = random.Random(SEED)  # nosec B311 # - reproducible demo data, not crypto
    today = today or date.today()
    farmers: list[DemoFarmer] = []
    used_niks: set[str] = set()
    for kec in soppeng:
        district = kec.code.replace(".", "")  # 73.12.04 -> 731204, the NIK's first six digits
        villages = kec.villages
        for n in range(per_kecamatan):
            sex: Sex = "F" if rng.random() < 0.4 else "M"
            # Ages 20-60 in years of birth: whatever the birthday, the age is inside 17-65.
            birth = date(today.year - rng.randint(20, 60), rng.randint(1, 12), rng.randint(1, 28))
            while True:
                nik = compose_nik(district, birth, sex, rng.randint(1, 9999))
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
            key = str(uuid.uuid5(SEED_NAMESPACE, f"farmer/{kec.code}/{n}"))
            farmers.append(DemoFarmer(agent=f"agen.{slug(kec.name)}", idempotency_key=key, body=body))
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
            code = problem_code(response)
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
                    invalid_fields(response),
                )
    return report


def problem_code(response: httpx.Response) -> str | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return str(payload.get("code")) if isinstance(payload, dict) and payload.get("code") else None


def invalid_fields(response: httpx.Response) -> str:
    """Names of the invalid fields of a 422 (never their values or messages)."""
    try:
        errors = response.json().get("errors") or []
        names = sorted({str(e.get("field")) for e in errors if isinstance(e, dict)})
    except (ValueError, AttributeError):
        return ""
    return f" fields={names}" if names else ""
