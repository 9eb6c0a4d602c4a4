"""FilterCriteria of a stream event source: the part of Lambda's (EventBridge) pattern language
this template uses - exact values and `prefix`; any other operator is refused, not guessed."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from local.template.cfn_yaml import TemplateError

_SUPPORTED_OPERATORS = ("prefix",)


class FilterPatternError(TemplateError):
    """A FilterCriteria pattern outside the subset the local stack implements."""


# ---------------------------------------------------------------------------------- filters


def parse_filter_criteria(
    criteria: Mapping[str, Any] | None, where: str = "FilterCriteria"
) -> tuple[dict[str, Any], ...]:
    """The patterns of a FilterCriteria (`{"Filters": [{"Pattern": "<json>"}]}`), checked."""
    patterns = []
    for n, entry in enumerate((criteria or {}).get("Filters") or []):
        text = entry.get("Pattern") if isinstance(entry, Mapping) else None
        if not isinstance(text, str):
            raise FilterPatternError(f"{where}.Filters[{n}]: Pattern must be a JSON string")
        try:
            pattern = json.loads(text)
        except ValueError as error:
            raise FilterPatternError(f"{where}.Filters[{n}]: Pattern is not JSON ({error})") from None
        check_pattern(pattern, f"{where}.Filters[{n}]")
        patterns.append(pattern)
    return tuple(patterns)


def check_pattern(node: Any, path: str) -> None:
    """Refuse a pattern outside the subset (also used for EventBridge rules: local/eventbridge/)."""
    if not isinstance(node, dict) or not node:
        raise FilterPatternError(f"{path}: a pattern is a non-empty JSON object")
    for name, value in node.items():
        if name.startswith("$"):
            raise FilterPatternError(f"{path}.{name}: {name} is not supported locally")
        if isinstance(value, dict):
            check_pattern(value, f"{path}.{name}")
        elif isinstance(value, list) and value:
            for alternative in value:
                _check_alternative(alternative, f"{path}.{name}")
        else:
            raise FilterPatternError(f"{path}.{name}: a field matches an object or a non-empty array")


def _check_alternative(alternative: Any, path: str) -> None:
    if isinstance(alternative, dict):
        if len(alternative) != 1 or next(iter(alternative)) not in _SUPPORTED_OPERATORS:
            raise FilterPatternError(
                f'{path}: {json.dumps(alternative)} - only exact values and {{"prefix": ...}} are '
                "supported locally (local/pollers/stream_filters.py)"
            )
        if not isinstance(alternative["prefix"], str):
            raise FilterPatternError(f"{path}: prefix takes a string")
    elif not (alternative is None or isinstance(alternative, str | int | float | bool)):
        raise FilterPatternError(f"{path}: {alternative!r} is not a value")


def pattern_matches(pattern: Mapping[str, Any], data: Any) -> bool:
    """Does `data` (a record, or part of one) match `pattern` (checked by parse_filter_criteria)?"""
    if not isinstance(data, Mapping):
        return False
    for name, expected in pattern.items():
        if name not in data:
            return False
        value = data[name]
        if isinstance(expected, dict):
            if not pattern_matches(expected, value):
                return False
        elif not any(_alternative_matches(alternative, value) for alternative in expected):
            return False
    return True


def _alternative_matches(alternative: Any, value: Any) -> bool:
    if isinstance(value, list):
        return any(_alternative_matches(alternative, element) for element in value)
    if isinstance(alternative, dict):
        return isinstance(value, str) and value.startswith(alternative["prefix"])
    if isinstance(alternative, bool) or isinstance(value, bool) or alternative is None or value is None:
        return alternative is value
    if isinstance(alternative, int | float) and isinstance(value, int | float):
        return float(alternative) == float(value)
    return type(alternative) is type(value) and alternative == value


def passes_filters(patterns: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """No filter keeps everything; otherwise a record is kept when one pattern matches it."""
    return not patterns or any(pattern_matches(p, record) for p in patterns)
