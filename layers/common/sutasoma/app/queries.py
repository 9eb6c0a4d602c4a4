"""What a list asks of a repository: the kecamatan, the filters, where the last page ended; and
the filters a caller asks a farmer list or export for.

Their own module, apart from the ports' interfaces: a use case builds these at run time, while the
interfaces (app/ports.py) are annotations only, so a cold start does not load them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sutasoma.domain.coverage import CoverageState
    from sutasoma.domain.registration import RegistrationStatus


@dataclass(frozen=True)
class FarmerQuery:
    """A page of one kecamatan's farmers, by village then registration order."""

    kecamatan_code: str
    village_code: str | None = None
    registration_status: str | None = None
    name_contains: str | None = None  # casefolded
    paid_through_missing: bool = False
    paid_through_min: str | None = None  # inclusive, YYYY-MM
    paid_through_max: str | None = None  # inclusive, YYYY-MM
    ended: bool | None = None  # True: only memberships over (dead, rejected); False: none of them
    start_after: tuple[str, str] | None = None  # (village_code, farmer_id) of the last item seen


@dataclass(frozen=True)
class KecamatanPage:
    """A page of one kecamatan's records of a kind, newest first."""

    kecamatan_code: str
    status: str | None = None
    farmer_id: str | None = None
    start_after: str | None = None  # the id of the last item seen


class ClaimQuery(KecamatanPage):
    """A page of one kecamatan's claims, newest first (`start_after`: a claim_id)."""


class RefundQuery(KecamatanPage):
    """A page of one kecamatan's refunds, newest first (`start_after`: a refund_id)."""


@dataclass(frozen=True)
class FarmerFilters:
    """What a farmer list or export is narrowed by, as the caller asked for it."""

    village_code: str | None = None
    registration_status: RegistrationStatus | None = None
    coverage_state: CoverageState | None = None
    q: str | None = None
