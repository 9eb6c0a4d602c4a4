"""A claim as the tests file it: JKM by default, the incident today (WITA), the spouse claims."""

from __future__ import annotations

from typing import Any

from sutasoma.domain.clock import today_wita


def claim_body(farmer_id: str, claim_type: str = "JKM", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "farmer_id": farmer_id,
        "type": claim_type,
        "incident_date": today_wita().isoformat(),
        "description": "Meninggal dunia karena sakit di rumah.",
        "claimant": {
            "full_name": "Baso Lamade",
            "relationship": "spouse",
            "phone": "081298765432",
            "bank_name": "BRI",
            "bank_account": "012301000123567",
        },
    }
    body.update(overrides)
    return body
