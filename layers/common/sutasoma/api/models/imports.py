"""`/imports` requests and answers (CONTRACT "Imports and exports", docs/imports.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from sutasoma.api.models.base import ApiModel
from sutasoma.api.models.common import HumanText, bounded
from sutasoma.domain.farmer import BpjsCheck
from sutasoma.domain.imports import ImportStatus


class ImportCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["members"] = Field(description="What the file holds: existing BPJS participants")
    filename: Annotated[str, bounded(5, 200), HumanText] = Field(
        description="The file's name; it must end in .xlsx or .csv (shown to admins: no control or invisible "
        "characters, a right-to-left override would show `a\u202egsx.csv` as `acsv.xsg`)",
        examples=["anggota-2022.xlsx"],
    )


class UploadForm(ApiModel):
    """A presigned POST: send `multipart/form-data` to `upload_url` with every field of `fields`
    and the file last, as `file`. S3 refuses a file over `max_bytes` or of another type."""

    upload_url: str
    fields: dict[str, str]
    object_key: str
    max_bytes: int
    expires_in: int = Field(description="Seconds the form stays valid")


class ImportStarted(ApiModel):
    import_id: str
    status: ImportStatus
    upload: UploadForm


class NotWrittenRow(ApiModel):
    row: int = Field(description="Row number in the file (the header is row 1)")
    reason: str


class Planned(ApiModel):
    create: int = Field(description="Valid rows that a commit will write as new farmers")
    update: int = Field(description="Valid rows that a commit will apply to farmers already there (same KPJ)")


class ImportOut(ApiModel):
    import_id: str
    kind: Literal["members"] = "members"
    filename: str
    status: ImportStatus
    rows_total: int = Field(description="Data rows in the file (after the check)")
    rows_checked: int = Field(description="Rows checked so far (progress of VALIDATING)")
    rows_done: int = Field(description="Valid rows the commit has dealt with (progress of COMMITTING)")
    valid: int
    invalid: int
    planned: Planned
    created: int
    updated: int
    unchanged: int = Field(description="Valid rows already in SUTASOMA as they are: nothing written")
    not_written: int = Field(
        description="Valid rows a commit did not write (changed since the check, or failed)"
    )
    not_written_rows: list[NotWrittenRow] = Field(description="Which rows, and why (at most 200)")
    bpjs_mismatches: int = Field(
        description="Imported members BPJS's look-up did not confirm (see /mismatches)"
    )
    errors_url: str | None = Field(
        description="The uploaded file with two columns: what became of each row and, for a refused row, "
        "what is wrong (Bahasa Indonesia); a presigned GET, once the file is checked"
    )
    failure: str | None = Field(description="Why the import FAILED (Bahasa Indonesia)")
    created_by: str
    created_at: str
    validated_at: str | None
    commit_started_at: str | None
    finished_at: str | None


class MismatchOut(ApiModel):
    farmer_id: str
    full_name: str | None
    nik_masked: str | None
    kpj_number: str | None
    kecamatan_code: str
    village_code: str | None
    result: BpjsCheck
    note: str
    checked_at: str


class MismatchPage(ApiModel):
    items: list[MismatchOut]
    next_cursor: str | None
