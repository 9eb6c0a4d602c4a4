"""DynamoDB item (de)serialisation and expression builders for the low-level client."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import ConditionBase, ConditionExpressionBuilder
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_dynamo(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in item.items() if value is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def from_dynamo(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


class Expression:
    """A condition rendered for the low-level client, with placeholders merged across parts."""

    def __init__(self) -> None:
        self._builder = ConditionExpressionBuilder()
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def render(self, condition: ConditionBase, *, is_key_condition: bool = False) -> str:
        built = self._builder.build_expression(condition, is_key_condition=is_key_condition)
        self.names.update(built.attribute_name_placeholders)
        self.values.update(
            {k: _serializer.serialize(v) for k, v in built.attribute_value_placeholders.items()}
        )
        return built.condition_expression


def update_expression(
    assign: Mapping[str, Any] | None = None,
    remove: tuple[str, ...] = (),
    add: Mapping[str, int] | None = None,
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """`SET a = :a … REMOVE b … ADD c :c`, with its name and (serialised) value placeholders:
    the one builder of update expressions."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    clauses: list[str] = []

    def placeholder(prefix: str, index: int, name: str, value: Any = None) -> tuple[str, str]:
        names[f"#{prefix}{index}"] = name
        if value is not None:
            values[f":{prefix}{index}"] = _serializer.serialize(value)
        return f"#{prefix}{index}", f":{prefix}{index}"

    if assign:
        parts = [" = ".join(placeholder("s", i, n, v)) for i, (n, v) in enumerate(assign.items())]
        clauses.append("SET " + ", ".join(parts))
    if remove:
        clauses.append("REMOVE " + ", ".join(placeholder("r", i, n)[0] for i, n in enumerate(remove)))
    if add:
        clauses.append(
            "ADD " + ", ".join(" ".join(placeholder("a", i, n, v)) for i, (n, v) in enumerate(add.items()))
        )
    return " ".join(clauses), names, values
