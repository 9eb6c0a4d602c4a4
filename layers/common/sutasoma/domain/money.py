"""Money as people read it: whole Rupiah with Indonesian thousands separators."""

from __future__ import annotations


def format_int(value: int) -> str:
    """Indonesian thousands separator: 1234567 -> `1.234.567`."""
    return f"{value:,}".replace(",", ".")


def format_rupiah(value: int) -> str:
    """`Rp 1.234.567` (`-Rp 5.000` for a negative amount)."""
    return f"-Rp {format_int(-value)}" if value < 0 else f"Rp {format_int(value)}"
