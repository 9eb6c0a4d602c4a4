"""Whether a caller may act on the farmer, claim or refund a request's path names at all.

Asked only when a request's body or query is refused as invalid: a caller outside the
resource's kecamatan then hears 403 (an unknown resource 404), as with a valid request, never
what was wrong with a body it may not send (CONTRACT: acting outside one's kecamatan → 403).
A valid request reaches its use case, which loads and checks the resource itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sutasoma.app.common import load_claim, load_farmer, load_refund

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
            load_claim(self.claims, caller, path["claim_id"])
        if "refund_id" in path:
            load_refund(self.refunds, caller, path["refund_id"])
