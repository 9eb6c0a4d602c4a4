"""The one scope resolver and cursor codec of every list route (farmers, claims, worklist…).

A list reads the kecamatan the caller may see: the one named (if the caller may act there),
the village's kecamatan, the caller's own, or every kecamatan for an admin. The same fault
gives the same code on every route: an unknown kecamatan or village is PLACE_INVALID.
Cursors are opaque to clients: the position of the last item, base64url JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence

from sutasoma.domain.errors import FieldError, Forbidden, PlaceInvalid, ValidationFailed
from sutasoma.domain.identity import Caller
from sutasoma.domain.ids import is_id
from sutasoma.domain.places import is_kecamatan, kecamatan_codes, places

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


def resolve_scope(caller: Caller, kecamatan_code: str | None, village_code: str | None = None) -> list[str]:
    """The kecamatan codes a list reads, in order; 422 PLACE_INVALID / 403 FORBIDDEN."""
    if kecamatan_code is not None:
        if not is_kecamatan(kecamatan_code):
            raise PlaceInvalid(
                "Kode kecamatan tidak dikenal.",
                [FieldError("kecamatan_code", "Bukan kecamatan di Kabupaten Soppeng.")],
            )
        caller.require_kecamatan(kecamatan_code)
        scope = [kecamatan_code]
    elif caller.kecamatan is not None and not caller.is_admin:
        scope = [caller.kecamatan]
    else:
        scope = kecamatan_codes()
    if village_code is not None:
        village = places().villages.get(village_code)
        # A village of another kecamatan than the one named is a wrong pair (422); one outside
        # the caller's own kecamatan is a place they may not list (403).
        if village is None or (kecamatan_code is not None and village.kecamatan_code != kecamatan_code):
            raise PlaceInvalid(
                "Kode desa/kelurahan tidak valid untuk daftar ini.",
                [FieldError("village_code", "Bukan desa/kelurahan di kecamatan yang dipilih.")],
            )
        caller.require_kecamatan(village.kecamatan_code)
        scope = [village.kecamatan_code]
    return scope


def one_kecamatan(caller: Caller, kecamatan_code: str | None, village_code: str | None = None) -> str:
    """A per-kecamatan view (the worklist): the caller's own; an admin, who has none, names one."""
    if kecamatan_code is None and (caller.is_admin or caller.kecamatan is None):
        raise Forbidden(
            "Daftar kunjungan disusun untuk kecamatan tugas agen atau koordinator; "
            "admin memilih kecamatan dengan parameter kecamatan_code."
        )
    return resolve_scope(caller, kecamatan_code, village_code)[0]


def encode_cursor(position: Sequence[str]) -> str:
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: Sequence[str], valid: Callable[[list[str]], bool]) -> list[str]:
    """The position a cursor names: [kecamatan, …]; 422 unless it is one of ours for this list."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        position = None
    if not (isinstance(position, list) and position and all(isinstance(p, str) for p in position)):
        raise _bad_cursor("Gunakan next_cursor dari halaman sebelumnya.")
    if not (is_kecamatan(position[0]) and valid(position)):
        raise _bad_cursor("Gunakan next_cursor dari halaman sebelumnya.")
    if position[0] not in scope:
        raise _bad_cursor("Cursor bukan untuk daftar ini.")
    return position


def _bad_cursor(message: str) -> ValidationFailed:
    return ValidationFailed("Cursor halaman tidak valid.", [FieldError("cursor", message)])


def farmer_position(position: list[str]) -> bool:
    """[kecamatan, village, farmer_id]"""
    return len(position) == 3 and position[1] in places().villages and is_id(position[2])


def claim_position(position: list[str]) -> bool:
    """[kecamatan, claim_id]"""
    return len(position) == 2 and is_id(position[1])


def refund_position(position: list[str]) -> bool:
    """[kecamatan, refund_id]"""
    return len(position) == 2 and is_id(position[1])
