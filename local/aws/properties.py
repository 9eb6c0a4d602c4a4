"""Helpers the resource creators share: property names not applied, tags, attribute values."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from local.template.specs import env_str

log = logging.getLogger("local.aws")


def warn_unapplied(logical_id: str, props: Mapping[str, Any], applied: set[str], ignored: set[str]) -> None:
    # A property we neither apply nor knowingly ignore is worth a line: it may change behaviour.
    for key in sorted(set(props) - applied - ignored):
        log.warning("%s: property %s is not applied by the local stack", logical_id, key)


def tags_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t["Value"]) for t in tags or []}


def attribute_str(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else env_str(value)
