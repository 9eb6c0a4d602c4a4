"""The monthly evaluation report (CONTRACT.md "Reports"; DOMAIN.md "The monthly evaluation is a
record"): what the JSON, CSV, XLSX and HTML files all show. Money in whole Rupiah; rates as
fractions (0.8125 = 81.25 %)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ByType(BaseModel):
    JKK: int = 0
    JKM: int = 0


class VsLastMonth(BaseModel):
    """This month's figure minus last month's."""

    collection_rate: float
    active: int
    contributions_collected: int


class KecamatanRow(BaseModel):
    kecamatan_code: str
    kecamatan_name: str
    registered: int = Field(description="Members (not rejected, alive) at the end of the month")
    new_registrations: int
    active: int = Field(description="The month paid (coverage ACTIVE) at the end of the month")
    due: int = Field(default=0, description="Provisional report: the month unpaid but not yet overdue (DUE)")
    arrears: int = Field(description="1-3 months overdue (ARREARS)")
    lapsed: int = Field(description="More than 3 months overdue (LAPSED)")
    not_started: int = Field(description="Registered, never paid")
    not_paying: int = Field(
        default=0, description="Never paid for more than 2 months since registration: they lower the score"
    )
    ended: int = Field(default=0, description="Memberships over: died, or registration rejected by BPJS")
    contributions_due: int = Field(
        description="Rupiah due for the month: what its payers paid for it (at the income they paid on) plus "
        "the tariff of the members who have not paid it"
    )
    contributions_collected: int = Field(
        description="Rupiah received in the month (arrears, the month, advances)"
    )
    payments: int
    collection_rate: float = Field(
        description="Kolektibilitas: active / (active + arrears + not_paying), the members whose month is paid"
    )
    claims_submitted: ByType
    claims_amount: ByType = Field(description="Rupiah BPJS paid on claims in the month")
    claims_paid: ByType
    claims_in_progress: int = Field(default=0, description="Claims filed and not yet PAID or REJECTED")
    refunds_open: int = Field(default=0, description="Refund cases not settled at the end of the month")
    refunds_open_amount: int = 0
    refunds_settled: int = Field(default=0, description="Refund cases settled in the month")
    refunds_settled_amount: int = 0
    target: float | None = Field(default=None, description="The BPP's collection target, if one is set")
    vs_last_month: VsLastMonth | None = None
    gap_to_best: float | None = Field(
        default=None, description="A coordinator's copy: the best BPP's rate minus this BPP's"
    )
    score: float = Field(description="Ranking score, see ranking_formula")
    rank: int | None


class AgentRow(BaseModel):
    username: str
    full_name: str = Field(description="The agent's name (Cognito `name`), the username when unknown")
    kecamatan_code: str | None
    registrations: int
    payments: int
    collections_amount: int
    incentive: int = Field(description="collections_amount x incentive_rate, rounded down to the Rupiah")


class TrendPoint(BaseModel):
    period: str
    collection_rate: float | None = Field(description="None: no data (before the programme's first month)")
    contributions_collected: int
    by_kecamatan: dict[str, float | None] = Field(description="collection_rate per kecamatan code")


class BestBpp(BaseModel):
    kecamatan_code: str
    kecamatan_name: str
    score: float


class FieldChange(BaseModel):
    field: str
    before: float | int | None
    after: float | int | None


class BppChanges(BaseModel):
    """What differs in one BPP's row from the version before (late payments, corrections)."""

    kecamatan_code: str
    kecamatan_name: str
    fields: list[FieldChange]


class Report(BaseModel):
    period: str = Field(description="The month reported on, YYYY-MM (Asia/Makassar)")
    generated_at: str
    version: int = Field(
        default=1,
        description="1: the first generation (the scheduled run, unless the month was previewed); 2, 3...: later ones",
    )
    supersedes: int | None = Field(default=None, description="The version this one replaces, if any")
    evaluated_version: int | None = Field(
        default=None,
        description="The month's evaluation: its first version after the month ended (what the 5th's meeting saw); null while provisional",
    )
    generated_by: str = Field(
        default="jadwal", description="'jadwal' (the 5th-of-month schedule) or the admin who generated it"
    )
    provisional: bool = Field(
        default=False, description="The current month, not yet ended: a preview, no rank and no best BPP"
    )
    changes: list[BppChanges] = Field(
        default_factory=list, description="Per BPP, what differs from `supersedes`"
    )
    rows: list[KecamatanRow] = Field(description="All 8 kecamatan, in code order, zeros included")
    totals: KecamatanRow = Field(description="Kabupaten Soppeng; rank and score are not meaningful here")
    agents: list[AgentRow]
    best_bpp: BestBpp | None = Field(
        description="None when no BPP had any member, or in a provisional report"
    )
    ranking_formula: str
    incentive_rate: float
    trend: list[TrendPoint] = Field(description="The 12 months ending with `period`, oldest first")
