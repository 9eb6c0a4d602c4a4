"""Whether a caller may act on the farmer, claim or refund a request's path names at all.

Asked only when a request's body or query is refused as invalid: a caller outside the
resource's kecamatan then hears 403 (an unknown resource 404), as with a valid request, never
what was wrong with a body it may not send (CONTRACT: acting outside one's kecamatan → 403).
A valid request reaches its use case, which loads and checks the resource itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sutasoma.app.common import load_farmer
from sutasoma.domain.errors import NotFound
from sutasoma.domain.ids import is_id

if TYPE_CHECKING:
    from sutasoma.app.ports import Claims, Farmers, Refunds
    from sutasoma.domain.identity import Caller


class ResourceScope:
    def __init__(self, farmers: Farmers, claims: Claims, refunds: Refunds) -> None:
        self.farmers = farmers
        self.claims = claims
        self.refunds = refunds

    def check(self, caller: Caller, path: Mapping[str, str]) -> None:
        """NotFound / Forbidden for the resources named in `path` the caller may not act on."""
        if "farmer_id" in path:
            load_farmer(self.farmers, caller, path["farmer_id"])
        if "claim_id" in path:
            claim = self.claims.get(path["claim_id"]) if is_id(path["claim_id"]) else None
            if claim is None:
                raise NotFound("Klaim tidak ditemukan.")
            caller.require_kecamatan(claim.kecamatan_code)
        if "refund_id" in path:
            refund = self.refunds.get(path["refund_id"]) if is_id(path["refund_id"]) else None
            if refund is None:
                raise NotFound("Kasus pengembalian iuran tidak ditemukan.")
            caller.require_kecamatan(refund.kecamatan_code)
