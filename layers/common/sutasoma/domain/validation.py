"""Pydantic validation errors as field errors with messages in Bahasa Indonesia."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sutasoma.domain.errors import FieldError


def _field_name(loc: Sequence[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    field = _field_name(error.get("loc", ()))
    if kind == "value_error" and "consent_required" in str(error.get("msg", "")):
        return "Persetujuan petani (consent) wajib bernilai true."
    if kind == "string_pattern_mismatch" and field.endswith("phone"):
        return "Nomor HP tidak valid (contoh 081234567890)."
    if kind == "multiple_of" and field.endswith("income"):
        return "Penghasilan harus kelipatan Rp 1.000 (contoh 1500000)."
    # pydantic lists choices in English ("'M' or 'F'").
    choices = str(ctx.get("expected", "")).replace(" or ", " atau ")
    messages: dict[str, str] = {
        "missing": "Wajib diisi.",
        "extra_forbidden": "Kolom ini tidak dikenal atau tidak boleh diubah di sini.",
        "json_invalid": "Isi permintaan bukan JSON yang sah.",
        "string_type": "Harus berupa teks.",
        "string_too_short": "Terlalu pendek.",
        "string_too_long": "Terlalu panjang.",
        "string_pattern_mismatch": "Format tidak valid.",
        "int_type": "Harus berupa bilangan bulat.",
        "int_parsing": "Harus berupa bilangan bulat.",
        "int_from_float": "Harus berupa bilangan bulat.",
        "greater_than_equal": f"Minimal {ctx.get('ge')}.",
        "less_than_equal": f"Maksimal {ctx.get('le')}.",
        "greater_than": f"Harus lebih dari {ctx.get('gt')}.",
        "less_than": f"Harus kurang dari {ctx.get('lt')}.",
        "date_type": "Tanggal harus berformat YYYY-MM-DD.",
        "date_parsing": "Tanggal harus berformat YYYY-MM-DD.",
        "date_from_datetime_parsing": "Tanggal harus berformat YYYY-MM-DD.",
        "date_from_datetime_inexact": "Tanggal harus berformat YYYY-MM-DD.",
        "datetime_type": "Waktu harus berformat ISO 8601.",
        "datetime_parsing": "Waktu harus berformat ISO 8601.",
        "datetime_from_date_parsing": "Waktu harus berformat ISO 8601.",
        "literal_error": f"Pilihan yang sah: {choices}.",
        "enum": f"Pilihan yang sah: {choices}.",
        "multiple_of": f"Harus kelipatan {ctx.get('multiple_of')}.",
        "bool_type": "Harus true atau false.",
        "bool_parsing": "Harus true atau false.",
        "dict_type": "Harus berupa objek JSON.",
        "model_type": "Harus berupa objek JSON.",
        "model_attributes_type": "Harus berupa objek JSON.",
        "list_type": "Harus berupa daftar.",
        "too_long": "Terlalu banyak item.",
        "too_short": "Terlalu sedikit item.",
        # api/models/common.py HumanText: control or invisible formatting characters.
        "text_characters": "Mengandung karakter kontrol atau karakter tak terlihat (mis. NUL, pembalik arah "
        "teks, spasi lebar nol) yang tidak diizinkan.",
    }
    return messages.get(kind, "Nilai tidak valid.")


def validation_errors(raw: Sequence[Any]) -> list[FieldError]:
    # A JSON syntax error's location is a character offset, not a field.
    return [
        FieldError("body" if e.get("type") == "json_invalid" else _field_name(e.get("loc", ())), _message(e))
        for e in raw
    ]
