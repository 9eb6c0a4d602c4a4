"""template.yaml as data: a YAML loader that knows CloudFormation's short tags (`!Ref`, `!Sub`…)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


class TemplateError(Exception):
    """The template uses something the local stack cannot honour."""


class UnresolvedReferenceError(TemplateError):
    """A Ref/GetAtt names a resource whose physical id is not known (yet)."""


# ---------------------------------------------------------------------------------- YAML loading


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that maps CloudFormation short tags (!Ref, !Sub…) to their long JSON form."""


# CloudFormation treats unquoted dates as strings; PyYAML would turn them into datetime objects.
_CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "GetAtt",
            "Sub",
            "If",
            "Equals",
            "And",
            "Or",
            "Not",
            "Join",
            "Select",
            "Split",
            "FindInMap",
            "GetAZs",
            "Base64",
            "ImportValue",
            "Cidr",
            "Length",
            "ToJsonString",
            "Transform",
        )
    },
}


def _construct_tag(long_name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            # `!GetAtt Res.Attr` is the scalar short form of ["Res", "Attr"].
            if long_name == "Fn::GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        elif isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        else:  # pragma: no cover - yaml has no other node kinds
            raise TemplateError(f"unexpected YAML node for !{long_name}")
        return {long_name: value}

    return construct


for _short, _long in SHORT_TAGS.items():
    _CfnLoader.add_constructor(f"!{_short}", _construct_tag(_long))


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_CfnLoader)  # noqa: S506  # nosec B506 # - a SafeLoader subclass with the CloudFormation tags
    if not isinstance(data, dict):
        raise TemplateError(f"{path} is not a CloudFormation template")
    return data
