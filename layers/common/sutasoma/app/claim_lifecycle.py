"""What a claim's move writes besides the claim: the keys a rejected claim releases (so the
incident may be filed again, and the death benefit claimed again), and the BPP's count of
claims in progress."""

from __future__ import annotations

from sutasoma.domain.changes import ChangeSet, Deleted, Updated
from sutasoma.domain.claim import ClaimKey, ClaimRecord, ClaimStatus, DeathClaimKey
from sutasoma.domain.counters import PopulationDelta
from sutasoma.domain.population import CLAIMS_OPEN


def claim_keys(claim: ClaimRecord) -> tuple[ClaimKey, DeathClaimKey | None]:
    """The uniqueness records a claim holds while it is not REJECTED."""
    key = ClaimKey(
        farmer_id=claim.farmer_id, claim_type=claim.claim_type, incident_date=claim.incident_date,
        claim_id=claim.claim_id,
    )  # fmt: skip
    death = DeathClaimKey(farmer_id=claim.farmer_id, claim_id=claim.claim_id) if claim.is_death else None
    return key, death


def claim_opened(claim: ClaimRecord, period: str) -> PopulationDelta:
    return PopulationDelta(claim.kecamatan_code, period, {CLAIMS_OPEN: 1})


def claim_moved(before: ClaimRecord, after: ClaimRecord, period: str) -> ChangeSet:
    """The claim moved on; once decided for good it leaves the count of claims in progress,
    and a REJECTED claim gives up its keys."""
    changes = ChangeSet(writes=(Updated(before, after),))
    if before.in_progress and not after.in_progress:
        changes += ChangeSet(counts=(PopulationDelta(after.kecamatan_code, period, {CLAIMS_OPEN: -1}),))
    if after.status is ClaimStatus.REJECTED and before.status is not ClaimStatus.REJECTED:
        key, death = claim_keys(before)
        released = (Deleted(key),) if death is None else (Deleted(key), Deleted(death))
        changes += ChangeSet(writes=released)
    return changes
