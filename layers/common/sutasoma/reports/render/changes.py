"""A revision's changes as every file shows them ("Perubahan dari versi sebelumnya"): per BPP,
each figure that moved, under its Indonesian label, with its value before and after."""

from __future__ import annotations

from dataclasses import dataclass

from sutasoma.reports.models import FieldChange, Report
from sutasoma.reports.render.formats import format_int, format_percent, format_rupiah

CHANGES_TITLE = "Perubahan dari versi sebelumnya"

# A compared figure (reports/revisions.py COMPARED): its label, and its kind (how it is written).
FIELDS: dict[str, tuple[str, str]] = {
    "registered": ("Peserta terdaftar", "int"),
    "new_registrations": ("Pendaftar baru", "int"),
    "active": ("Aktif", "int"),
    "due": ("Belum jatuh tempo", "int"),
    "arrears": ("Menunggak (1–3 bln)", "int"),
    "lapsed": ("Nonaktif (> 3 bln)", "int"),
    "not_started": ("Belum pernah bayar", "int"),
    "not_paying": ("Tidak membayar (> 2 bln sejak daftar)", "int"),
    "ended": ("Kepesertaan berakhir", "int"),
    "contributions_due": ("Iuran wajib", "rp"),
    "contributions_collected": ("Iuran terkumpul", "rp"),
    "payments": ("Transaksi pembayaran", "int"),
    "collection_rate": ("Kolektibilitas", "pct"),
    "claims_submitted.JKK": ("Klaim JKK diajukan", "int"),
    "claims_submitted.JKM": ("Klaim JKM diajukan", "int"),
    "claims_amount.JKK": ("Klaim JKK dibayar BPJS (Rp)", "rp"),
    "claims_amount.JKM": ("Klaim JKM dibayar BPJS (Rp)", "rp"),
    "claims_paid.JKK": ("Klaim JKK dibayar", "int"),
    "claims_paid.JKM": ("Klaim JKM dibayar", "int"),
    "claims_in_progress": ("Klaim dalam proses", "int"),
    "refunds_open": ("Pengembalian iuran terbuka", "int"),
    "refunds_open_amount": ("Nilai pengembalian terbuka", "rp"),
    "refunds_settled": ("Pengembalian iuran selesai", "int"),
    "refunds_settled_amount": ("Nilai pengembalian selesai", "rp"),
    "rank": ("Peringkat", "rank"),
}


def field_label(name: str) -> str:
    return FIELDS.get(name, (name, "int"))[0]


def field_kind(name: str) -> str:
    """int, rp, pct or rank: the number format of the figure in a spreadsheet."""
    return FIELDS.get(name, (name, "int"))[1]


def value_text(name: str, value: float | int | None) -> str:
    """A figure as the page writes it: `Rp 12.300`, `81,25 %`, `3`, `—` for no rank."""
    if value is None:
        return "—"
    kind = field_kind(name)
    if kind == "pct":
        return format_percent(float(value))
    if kind == "rp":
        return format_rupiah(int(value))
    return format_int(int(value))


@dataclass(frozen=True)
class ChangeLine:
    kecamatan_code: str
    kecamatan_name: str
    change: FieldChange

    @property
    def label(self) -> str:
        return field_label(self.change.field)

    @property
    def before(self) -> str:
        return value_text(self.change.field, self.change.before)

    @property
    def after(self) -> str:
        return value_text(self.change.field, self.change.after)


def change_lines(report: Report) -> list[ChangeLine]:
    """Every changed figure, BPP by BPP (code order), in the order the revision lists them."""
    return [
        ChangeLine(bpp.kecamatan_code, bpp.kecamatan_name, change)
        for bpp in sorted(report.changes, key=lambda c: c.kecamatan_code)
        for change in bpp.fields
    ]


def is_revision(report: Report) -> bool:
    """A version that replaces another (a preview after a preview too): it says what changed
    (possibly nothing), in every file as in the JSON."""
    return report.supersedes is not None


def changes_intro(report: Report) -> str:
    if not report.changes:
        return f"Tidak ada angka yang berubah dari versi {report.supersedes}."
    if report.provisional:
        return (
            f"Versi sementara {report.version} menggantikan versi {report.supersedes}: angka yang "
            "berubah per BPP sejak itu (pembayaran, pendaftaran, klaim yang tercatat)."
        )
    return (
        f"Versi {report.version} menggantikan versi {report.supersedes}: angka yang berubah per BPP "
        "(pembayaran yang tercatat terlambat, koreksi)."
    )
