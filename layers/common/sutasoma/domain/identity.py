"""Who acts: the roles of DOMAIN.md "People and roles" and the caller of a request.

How a caller is read from a token is the API's business (api/identity.py); what a caller
may do is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sutasoma.domain.errors import Forbidden


class Role(StrEnum):
    AGENT = "agent"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


# When a user is in several groups, the widest role counts.
ROLE_ORDER = (Role.ADMIN, Role.COORDINATOR, Role.AGENT)
STAFF = (Role.COORDINATOR, Role.ADMIN)
# Accounts that must sign in with a TOTP second factor (docs/decisions.md "Staff MFA"): they verify
# claims, open KTP copies and documents, correct identities, see every kecamatan (admin).
MFA_REQUIRED = STAFF


@dataclass(frozen=True)
class Caller:
    """Who makes a request: a user of the pool, their role and kecamatan."""

    sub: str
    username: str
    role: Role
    kecamatan: str | None  # None only for admin
    full_name: str | None = None
    request_id: str | None = None  # the API request, for the audit trail

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Coordinators and admins: verify claims, read reports, see bank accounts."""
        return self.role in STAFF

    def can_act_in(self, kecamatan_code: str) -> bool:
        return self.is_admin or self.kecamatan == kecamatan_code

    def require_kecamatan(self, kecamatan_code: str) -> None:
        if not self.can_act_in(kecamatan_code):
            raise Forbidden("Anda hanya dapat mengelola petani di kecamatan tugas Anda.")

    def require(self, rule: RoleRule) -> None:
        rule.check(self)


@dataclass(frozen=True)
class RoleRule:
    """An action only some roles may take, whatever the data: checked by the use case, and by
    the HTTP functions before they read the request (an agent asking a coordinator's route gets
    403, not a verdict on the body it sent)."""

    roles: frozenset[Role]
    refusal: str  # Bahasa Indonesia, for the 403

    def check(self, caller: Caller) -> None:
        if caller.role not in self.roles:
            raise Forbidden(self.refusal)


def _rule(roles: tuple[Role, ...], refusal: str) -> RoleRule:
    return RoleRule(frozenset(roles), refusal)


OPEN_KTP = _rule(STAFF, "Hanya koordinator BPP atau admin yang dapat membuka KTP.")
CORRECT_IDENTITY = _rule(STAFF, "Hanya koordinator BPP atau admin yang dapat mengoreksi identitas petani.")
OPEN_CLAIM_DOCUMENT = _rule(STAFF, "Hanya koordinator BPP atau admin yang membuka dokumen klaim.")
VERIFY_CLAIM = _rule(STAFF, "Hanya koordinator BPP atau admin yang dapat memverifikasi klaim.")
READ_REPORT = _rule(STAFF, "Laporan hanya untuk koordinator BPP dan admin.")
MAKE_REPORT = _rule((Role.ADMIN,), "Hanya admin Dinas Pertanian yang dapat membuat laporan.")
IMPORT_MEMBERS = _rule((Role.ADMIN,), "Impor anggota hanya dapat dilakukan admin Dinas Pertanian.")
EXPORT_FARMERS = _rule(STAFF, "Daftar petani hanya dapat diunduh koordinator dan admin.")
