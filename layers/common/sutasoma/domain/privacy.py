"""Personal data as it may be shown (UU 27/2022 PDP): masked in lists, whole only where a
role needs it. What is personal is never logged (runtime/observability.py scrubs logs too)."""

from __future__ import annotations


def mask_nik(value: str) -> str:
    """`7312********0003`: enough to recognise a card, not enough to use it."""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """`0812****7890`: the first 4 and last 4 characters kept."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_bank_account(value: str) -> str:
    """`*******4567`: only the last 4 digits, enough to recognise one's own account."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]
