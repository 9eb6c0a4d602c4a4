"""What people read when a request is refused: Bahasa Indonesia only, saying what to do."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from sutasoma.api.models.common import Income
from sutasoma.domain.validation import validation_errors


class Sample(BaseModel):
    sex: Literal["M", "F"]
    monthly_income: Income
    step: Annotated[int, Field(multiple_of=5)] = 5


def messages(data: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        Sample.model_validate(data)
    return {e.field: e.message for e in validation_errors(raised.value.errors())}


def test_choices_are_listed_in_bahasa() -> None:
    found = messages({"sex": "X", "monthly_income": 1_000_000})
    assert found == {"sex": "Pilihan yang sah: 'M' atau 'F'."}


def test_an_income_not_in_whole_thousands_says_so() -> None:
    found = messages({"sex": "M", "monthly_income": 1_500_500, "step": 7})
    assert found["monthly_income"] == "Penghasilan harus kelipatan Rp 1.000 (contoh 1500000)."
    assert found["step"] == "Harus kelipatan 5."


@pytest.mark.parametrize(
    "data",
    [
        {"sex": 3, "monthly_income": "x"},
        {"sex": None, "monthly_income": 10**12},
        {"monthly_income": 1.5},
        {"sex": "M", "monthly_income": 999_000, "step": "y"},
    ],
)
def test_no_english_reaches_people(data: dict[str, object]) -> None:
    english = re.compile(r"\b(or|should|must|input|value|field|required|valid)\b", re.IGNORECASE)
    for message in messages(data).values():
        assert not english.search(message), message
