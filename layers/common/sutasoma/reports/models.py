"""The monthly evaluation report (CONTRACT.md "Reports"): what the JSON, CSV, XLSX and HTML
files all show. Money in whole Rupiah; rates as fractions (0.8125 = 81.25 %)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ByType(BaseModel):
    JKK: int = 0
    JKM: int = 0


class KecamatanRow(BaseModel):
    kecamatan_code: str
    kecamatan_name: str
    registered: int = Field(description="Farmers registered and not rejected, at the end of the month")
    new_registrations: int
    active: int = Field(description="Month paid (coverage ACTIVE) at the end of the month")
    arrears: int = Field(description="1-3 months unpaid at the end of the month")
    lapsed: int = Field(description="More than 3 months unpaid at the end of the month")
    not_started: int = Field(description="Registered, never paid")
    contributions_due: int = Field(description="Rupiah due for the month from members (active + arrears)")
    contributions_collected: int = Field(
        description="Rupiah received in the month (arrears, the month, advances)"
    )
    payments: int
    collection_rate: float = Field(description="active / (active + arrears): members whose month is paid")
    claims_submitted: ByType
    claims_amount: ByType = Field(description="Rupiah BPJS paid on claims in the month")
    claims_paid: ByType
    score: float = Field(description="Ranking score, see ranking_formula")
    rank: int | None


class AgentRow(BaseModel):
    username: str
    kecamatan_code: str | None
    registrations: int
    payments: int
    collections_amount: int
    incentive: int = Field(description="collections_amount x incentive_rate, rounded down to the Rupiah")


class TrendPoint(BaseModel):
    period: str
    collection_rate: float
    contributions_collected: int
    by_kecamatan: dict[str, float] = Field(description="collection_rate per kecamatan code")


class BestBpp(BaseModel):
    kecamatan_code: str
    kecamatan_name: str
    score: float


class Report(BaseModel):
    period: str = Field(description="The month reported on, YYYY-MM (Asia/Makassar)")
    generated_at: str
    rows: list[KecamatanRow] = Field(description="All 8 kecamatan, in code order, zeros included")
    totals: KecamatanRow = Field(description="Kabupaten Soppeng; rank and score are not meaningful here")
    agents: list[AgentRow]
    best_bpp: BestBpp | None = Field(description="None when no BPP had any member")
    ranking_formula: str
    incentive_rate: float
    trend: list[TrendPoint] = Field(description="The 12 months ending with `period`, oldest first")
