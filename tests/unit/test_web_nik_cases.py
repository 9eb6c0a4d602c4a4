"""The NIK cases of web/tests/nik_cases.json through the server's parser: the app's parser
(web/js/nik.js, tested on the same file by `node --test web/tests`) and the server's agree."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sutasoma.domain.errors import NikInvalid
from sutasoma.domain.nik import parse_nik

FIXTURE = json.loads(
    (Path(__file__).resolve().parents[2] / "web" / "tests" / "nik_cases.json").read_text(encoding="utf-8")
)
TODAY = date.fromisoformat(FIXTURE["today"])


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: c["why"])
def test_the_server_gives_the_cases_answer(case: dict[str, Any]) -> None:
    if case["ok"]:
        nik = parse_nik(case["nik"])
        assert nik.sex == case["sex"]
        assert nik.birth_date(TODAY).isoformat() == case["birth_date"]
        assert [d.isoformat() for d in nik.birth_date_candidates()] == case["candidates"]
    else:
        with pytest.raises(NikInvalid) as raised:
            parse_nik(case["nik"])
        assert [e.message for e in raised.value.errors] == [case["message"]]


def test_the_cases_cover_every_fault_the_server_names() -> None:
    messages = {c["message"].split(" ")[0:2][1] for c in FIXTURE["cases"] if not c["ok"]}
    assert {"harus", "hanya", "provinsi", "kabupaten/kota", "urut", "lahir"} <= messages
