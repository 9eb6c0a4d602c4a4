"""The documents a claim needs (DOMAIN.md "Required documents")."""

from __future__ import annotations

from enum import StrEnum

from sutasoma.domain.benefits import ClaimType, JkkOutcome


class DocType(StrEnum):
    KPJ_CARD = "kpj_card"
    KTP = "ktp"
    ACCIDENT_CHRONOLOGY = "accident_chronology"  # with 2 witnesses
    MEDICAL_REPORT = "medical_report"
    POLICE_REPORT = "police_report"
    RECEIPTS = "receipts"
    BANK_BOOK = "bank_book"
    KTP_DECEASED = "ktp_deceased"
    KTP_HEIR = "ktp_heir"
    DEATH_CERTIFICATE = "death_certificate"
    FAMILY_CARD = "family_card"
    HEIR_STATEMENT = "heir_statement"
    MARRIAGE_BOOK = "marriage_book"


DOC_NAMES = {
    DocType.KPJ_CARD: "Kartu peserta (KPJ)",
    DocType.KTP: "KTP peserta",
    DocType.ACCIDENT_CHRONOLOGY: "Kronologi kecelakaan dengan 2 saksi",
    DocType.MEDICAL_REPORT: "Surat keterangan dokter",
    DocType.POLICE_REPORT: "Laporan polisi (kecelakaan lalu lintas)",
    DocType.RECEIPTS: "Kuitansi biaya",
    DocType.BANK_BOOK: "Buku tabungan",
    DocType.KTP_DECEASED: "KTP almarhum/almarhumah",
    DocType.KTP_HEIR: "KTP ahli waris",
    DocType.DEATH_CERTIFICATE: "Akta/surat kematian",
    DocType.FAMILY_CARD: "Kartu keluarga (KK)",
    DocType.HEIR_STATEMENT: "Surat keterangan ahli waris",
    DocType.MARRIAGE_BOOK: "Buku nikah (ahli waris pasangan)",
}


def required_documents(
    claim_type: ClaimType, outcome: JkkOutcome | None, road_accident: bool, claimant_relationship: str
) -> list[DocType]:
    if claim_type is ClaimType.JKM:
        docs = [
            DocType.KPJ_CARD, DocType.KTP_DECEASED, DocType.KTP_HEIR, DocType.DEATH_CERTIFICATE,
            DocType.FAMILY_CARD, DocType.HEIR_STATEMENT, DocType.BANK_BOOK,
        ]  # fmt: skip
        if claimant_relationship == "spouse":
            docs.append(DocType.MARRIAGE_BOOK)
        return docs
    docs = [DocType.KPJ_CARD, DocType.KTP, DocType.ACCIDENT_CHRONOLOGY, DocType.MEDICAL_REPORT]
    if road_accident:
        docs.append(DocType.POLICE_REPORT)
    if outcome in (JkkOutcome.TREATMENT, JkkOutcome.TEMPORARY_DISABILITY, None):
        docs.append(DocType.RECEIPTS)
    if outcome is JkkOutcome.DEATH:
        docs += [DocType.DEATH_CERTIFICATE, DocType.FAMILY_CARD, DocType.HEIR_STATEMENT, DocType.KTP_HEIR]
        if claimant_relationship == "spouse":
            docs.append(DocType.MARRIAGE_BOOK)
    docs.append(DocType.BANK_BOOK)
    return docs
