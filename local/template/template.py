"""Read template.yaml the way CloudFormation + the SAM transform would, for the local stack.

The template is the single source of truth: the local stack learns its tables, queues, bucket,
user pool, functions, environment variables and HTTP routes from here, never from a second
hand-written list. Only what the local stack needs is modelled; anything surprising raises.
Parameters, conditions, pseudo parameters, Globals and the intrinsic functions are here; the
functions and the HttpApi are read in `local.template.serverless`.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from local.template import serverless
from local.template.cfn_yaml import SHORT_TAGS, TemplateError, UnresolvedReferenceError, load_yaml
from local.template.specs import (
    ACCOUNT_ID,
    NO_VALUE,
    PARTITION,
    REGION,
    STACK_NAME,
    URL_SUFFIX,
    FunctionSpec,
    HttpApiSpec,
    Physical,
)

# ---------------------------------------------------------------------------------- the template


def _merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (resource wins), lists concatenate, scalars are overridden."""
    merged: dict[str, Any] = copy.deepcopy(dict(global_props))
    for key, value in props.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = _merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = current + copy.deepcopy(value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in {"Ref", "Condition", *SHORT_TAGS.values()}


class Template:
    """template.yaml with parameters, conditions and pseudo parameters resolved."""

    def __init__(
        self,
        path: Path,
        *,
        parameter_overrides: Mapping[str, Any] | None = None,
        stack_name: str = STACK_NAME,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
    ) -> None:
        self.path = path.resolve()
        self.base_dir = self.path.parent
        self.raw = load_yaml(self.path)
        self.pseudo: dict[str, Any] = {
            "AWS::StackName": stack_name,
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::Partition": PARTITION,
            "AWS::StackId": (
                f"arn:{PARTITION}:cloudformation:{region}:{account_id}:stack/{stack_name}/local"
            ),
            "AWS::NotificationARNs": [],
        }
        self.parameters = self._resolve_parameters(parameter_overrides or {})
        self.conditions: dict[str, bool] = {}
        for name in self.raw.get("Conditions", {}):
            self._condition(name, set())
        self.globals: dict[str, Any] = self.raw.get("Globals", {}) or {}

    # ------------------------------------------------------------------ parameters & conditions

    def set_parameter(self, name: str, value: Any) -> None:
        """Override a parameter after construction, e.g. a URL known only once a server runs.

        Affects what is resolved from now on (functions' environment), not resources already
        created. Conditions are evaluated again.
        """
        overrides = {k: v for k, v in self.parameters.items()}
        overrides[name] = value
        self.parameters = self._resolve_parameters(overrides)
        self.conditions = {}
        for condition in self.raw.get("Conditions", {}):
            self._condition(condition, set())

    def _resolve_parameters(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        declared: dict[str, Any] = self.raw.get("Parameters", {}) or {}
        unknown = set(overrides) - set(declared)
        if unknown:
            raise TemplateError(f"parameter override(s) not in the template: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in overrides:
                value = overrides[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no Default: pass an override")
            allowed = spec.get("AllowedValues")
            if allowed is not None and str(value) not in {str(a) for a in allowed}:
                raise TemplateError(f"parameter {name}={value!r} not in AllowedValues {allowed}")
            if spec.get("Type") == "Number":
                value = float(value) if "." in str(value) else int(value)
            values[name] = value
        return values

    def _condition(self, name: str, visiting: set[str]) -> bool:
        if name in self.conditions:
            return self.conditions[name]
        if name in visiting:
            raise TemplateError(f"condition {name} refers to itself")
        spec = (self.raw.get("Conditions") or {}).get(name)
        if spec is None:
            raise TemplateError(f"unknown condition {name}")
        value = bool(self._eval_condition(spec, visiting | {name}))
        self.conditions[name] = value
        return value

    def _eval_condition(self, node: Any, visiting: set[str]) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Condition":
                return self._condition(arg, visiting)
            if key == "Fn::Equals":
                left, right = (self._eval_condition(a, visiting) for a in arg)
                return str(left) == str(right)
            if key == "Fn::And":
                return all(self._eval_condition(a, visiting) for a in arg)
            if key == "Fn::Or":
                return any(self._eval_condition(a, visiting) for a in arg)
            if key == "Fn::Not":
                return not self._eval_condition(arg[0], visiting)
        # Conditions may only use parameters and pseudo parameters, never resources.
        return self.resolve(node, {})

    def condition(self, name: str) -> bool:
        return self._condition(name, set())

    # ------------------------------------------------------------------ resources

    def resources(self) -> dict[str, dict[str, Any]]:
        """Logical id -> resource definition, leaving out resources whose Condition is false."""
        all_resources: dict[str, dict[str, Any]] = self.raw.get("Resources", {}) or {}
        return {
            lid: res
            for lid, res in all_resources.items()
            if "Condition" not in res or self.condition(res["Condition"])
        }

    def resources_of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {lid: res for lid, res in self.resources().items() if res.get("Type") in types}

    def properties(self, logical_id: str) -> dict[str, Any]:
        """Raw Properties of a resource, with the matching Globals section merged in."""
        res = self.resources()[logical_id]
        props: dict[str, Any] = res.get("Properties", {}) or {}
        global_section = {
            "AWS::Serverless::Function": "Function",
            "AWS::Serverless::HttpApi": "HttpApi",
            "AWS::Serverless::Api": "Api",
            "AWS::Serverless::SimpleTable": "SimpleTable",
            "AWS::Serverless::StateMachine": "StateMachine",
            "AWS::Serverless::LayerVersion": "LayerVersion",
        }.get(res.get("Type", ""))
        if global_section and global_section in self.globals:
            return _merge_globals(self.globals[global_section], props)
        return copy.deepcopy(props)

    def dependencies(self, logical_id: str) -> set[str]:
        """Resources that must exist before this one (Ref/GetAtt/Sub targets and DependsOn)."""
        res = self.resources()[logical_id]
        deps = set(_referenced_ids(self.properties(logical_id)))
        depends_on = res.get("DependsOn", [])
        deps.update([depends_on] if isinstance(depends_on, str) else depends_on)
        known = set(self.resources())
        return {d for d in deps if d in known and d != logical_id}

    def creation_order(self, logical_ids: Iterable[str] | None = None) -> list[str]:
        """Topological order (dependencies first; template order among equals)."""
        wanted = list(self.resources()) if logical_ids is None else list(logical_ids)
        order: list[str] = []
        state: dict[str, str] = {}

        def visit(lid: str, chain: tuple[str, ...]) -> None:
            if state.get(lid) == "done":
                return
            if state.get(lid) == "visiting":
                raise TemplateError(f"circular dependency: {' -> '.join((*chain, lid))}")
            state[lid] = "visiting"
            for dep in sorted(d for d in self.dependencies(lid) if d in wanted):
                visit(dep, (*chain, lid))
            state[lid] = "done"
            order.append(lid)

        for lid in wanted:
            visit(lid, ())
        return order

    # ------------------------------------------------------------------ intrinsic functions

    def resolve(self, node: Any, refs: Mapping[str, Physical]) -> Any:
        """Resolve intrinsic functions in `node`; `refs` holds the resources known so far."""
        if isinstance(node, list):
            items = [self.resolve(item, refs) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            handler = self._intrinsics().get(key)
            if handler is not None:
                return handler(arg, refs)
        resolved = {key: self.resolve(value, refs) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def _intrinsics(self) -> dict[str, Callable[[Any, Mapping[str, Physical]], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::Equals": lambda arg, refs: (
                str(self.resolve(arg[0], refs)) == str(self.resolve(arg[1], refs))
            ),
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": lambda arg, refs: str(self.resolve(arg[1], refs)).split(arg[0]),
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda arg, refs: base64.b64encode(str(self.resolve(arg, refs)).encode()).decode(),
            "Fn::GetAZs": lambda arg, refs: [f"{self.pseudo['AWS::Region']}{z}" for z in "abc"],
            "Fn::ImportValue": self._unsupported("Fn::ImportValue (no other stacks locally)"),
            "Fn::Transform": self._unsupported("Fn::Transform"),
        }

    @staticmethod
    def _unsupported(what: str) -> Callable[[Any, Mapping[str, Physical]], Any]:
        def fail(arg: Any, refs: Mapping[str, Physical]) -> Any:
            raise TemplateError(f"the local stack does not support {what}")

        return fail

    def _ref(self, name: Any, refs: Mapping[str, Physical]) -> Any:
        name = self.resolve(name, refs)
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in refs:
            return refs[name].ref
        if name in (self.raw.get("Resources") or {}):
            raise UnresolvedReferenceError(f"Ref {name}: resource not created (yet)")
        raise TemplateError(f"Ref to unknown name {name}")

    def _get_att(self, arg: Any, refs: Mapping[str, Physical]) -> Any:
        arg = self.resolve(arg, refs)
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        logical_id, attribute = arg[0], arg[1]
        if logical_id not in refs:
            if logical_id in (self.raw.get("Resources") or {}):
                raise UnresolvedReferenceError(f"GetAtt {logical_id}.{attribute}: not created (yet)")
            raise TemplateError(f"GetAtt on unknown resource {logical_id}")
        attrs = refs[logical_id].attrs
        if attribute not in attrs:
            raise TemplateError(
                f"GetAtt {logical_id}.{attribute}: the local stack knows only {sorted(attrs)}"
            )
        return attrs[attribute]

    _SUB_VAR = re.compile(r"\$\{([^}]*)\}")

    def _sub(self, arg: Any, refs: Mapping[str, Physical]) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v, refs) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):  # ${!Literal} stands for the text ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self._get_att(name.split(".", 1), refs))
            return str(self._ref(name, refs))

        return self._SUB_VAR.sub(replace, str(text))

    def _if(self, arg: Any, refs: Mapping[str, Physical]) -> Any:
        name, if_true, if_false = arg
        return self.resolve(if_true if self.condition(name) else if_false, refs)

    def _join(self, arg: Any, refs: Mapping[str, Physical]) -> str:
        delimiter, items = arg[0], self.resolve(arg[1], refs)
        return str(delimiter).join(str(i) for i in items)

    def _select(self, arg: Any, refs: Mapping[str, Physical]) -> Any:
        index, items = int(self.resolve(arg[0], refs)), self.resolve(arg[1], refs)
        return items[index]

    def _find_in_map(self, arg: Any, refs: Mapping[str, Physical]) -> Any:
        map_name, top, second = (self.resolve(a, refs) for a in arg[:3])
        return self.raw["Mappings"][map_name][top][second]

    # ------------------------------------------------------------------ functions and the API

    def http_api(self, refs: Mapping[str, Physical]) -> HttpApiSpec | None:
        return serverless.http_api(self, refs)

    def global_function_environment(self, refs: Mapping[str, Physical]) -> dict[str, str]:
        return serverless.global_function_environment(self, refs)

    def functions(self, refs: Mapping[str, Physical]) -> list[FunctionSpec]:
        return serverless.functions(self, refs)


def _referenced_ids(node: Any) -> Iterable[str]:
    """Every logical id (or pseudo/parameter name) a node refers to."""
    if isinstance(node, list):
        for item in node:
            yield from _referenced_ids(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                target = value.split(".", 1)[0] if isinstance(value, str) else value[0]
                if isinstance(target, str):
                    yield target
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                local_vars = set(value[1]) if isinstance(value, list) else set()
                for name in Template._SUB_VAR.findall(str(text)):
                    if not name.startswith("!") and name not in local_vars:
                        yield name.split(".", 1)[0]
                if isinstance(value, list):
                    yield from _referenced_ids(value[1])
            else:
                yield from _referenced_ids(value)
