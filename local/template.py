"""Read template.yaml the way CloudFormation + the SAM transform would, for the local stack.

The template is the single source of truth: the local stack learns its tables, queues, bucket,
user pool, functions, environment variables and HTTP routes from here, never from a second
hand-written list. Only what the local stack needs is modelled; anything surprising raises.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STACK_NAME = "sutasoma-local"
REGION = "ap-southeast-3"
ACCOUNT_ID = "123456789012"  # moto's default account: ARNs it returns carry this id
URL_SUFFIX = "amazonaws.com"
PARTITION = "aws"

# Marker for AWS::NoValue: the key holding it disappears from its mapping (or list).
NO_VALUE = object()


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

_SHORT_TAGS = {
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


for _short, _long in _SHORT_TAGS.items():
    _CfnLoader.add_constructor(f"!{_short}", _construct_tag(_long))


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(data, dict):
        raise TemplateError(f"{path} is not a CloudFormation template")
    return data


# ---------------------------------------------------------------------------------- physical ids


@dataclass
class Physical:
    """What a created (or deliberately skipped) resource answers to Ref and Fn::GetAtt."""

    ref: Any
    attrs: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Route:
    """One HttpApi event of a function: `GET /farmers/{farmer_id}`."""

    method: str  # upper case, or ANY
    path: str  # as in the template, or $default
    authorizer: str | None  # name of the authorizer, None for Authorizer: NONE
    scopes: tuple[str, ...] = ()
    event_name: str = ""

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class JwtAuthorizerSpec:
    name: str
    issuer: str
    audience: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"


@dataclass(frozen=True)
class CorsSpec:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class HttpApiSpec:
    logical_id: str
    default_authorizer: str | None
    authorizers: dict[str, JwtAuthorizerSpec]
    cors: CorsSpec | None


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    function_name: str
    code_uri: Path  # absolute
    handler: str  # e.g. app.lambda_handler
    timeout_s: int
    memory_mb: int
    environment: dict[str, str]
    layer_dirs: tuple[Path, ...]  # absolute ContentUri of the layers it uses
    log_group_name: str
    routes: tuple[Route, ...]
    other_events: dict[str, str]  # event name -> type (SQS, Schedule…): not served by the gateway
    # event name -> resolved Properties of each of those events (queue ARN, schedule expression…)
    event_properties: dict[str, dict[str, Any]] = field(default_factory=dict)

    def events_of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        """Event name -> resolved Properties, for the non-HttpApi events of these types."""
        return {
            name: self.event_properties.get(name, {})
            for name, event_type in self.other_events.items()
            if event_type in types
        }

    def to_json(self) -> dict[str, Any]:
        """What another process needs to run this function (see from_json)."""
        return {
            "logical_id": self.logical_id,
            "function_name": self.function_name,
            "code_uri": str(self.code_uri),
            "handler": self.handler,
            "timeout_s": self.timeout_s,
            "memory_mb": self.memory_mb,
            "environment": dict(self.environment),
            "layer_dirs": [str(d) for d in self.layer_dirs],
            "log_group_name": self.log_group_name,
            "routes": [
                {
                    "method": r.method,
                    "path": r.path,
                    "authorizer": r.authorizer,
                    "scopes": list(r.scopes),
                    "event_name": r.event_name,
                }
                for r in self.routes
            ],
            "other_events": dict(self.other_events),
            "event_properties": self.event_properties,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FunctionSpec:
        return cls(
            logical_id=data["logical_id"],
            function_name=data["function_name"],
            code_uri=Path(data["code_uri"]),
            handler=data["handler"],
            timeout_s=int(data["timeout_s"]),
            memory_mb=int(data["memory_mb"]),
            environment=dict(data["environment"]),
            layer_dirs=tuple(Path(d) for d in data["layer_dirs"]),
            log_group_name=data["log_group_name"],
            routes=tuple(
                Route(r["method"], r["path"], r["authorizer"], tuple(r["scopes"]), r["event_name"])
                for r in data["routes"]
            ),
            other_events=dict(data["other_events"]),
            event_properties=dict(data.get("event_properties", {})),
        )

    @property
    def module_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_uri / (module.replace(".", "/") + ".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rpartition(".")[2]

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"


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
    return len(value) == 1 and next(iter(value)) in {"Ref", "Condition", *_SHORT_TAGS.values()}


def physical_name(logical_id: str, *, lower: bool = False) -> str:
    """Name for a resource the template leaves unnamed (CloudFormation would generate one)."""
    name = f"{STACK_NAME}-{logical_id}"
    return name.lower() if lower else name


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
        apis = self.resources_of_type("AWS::Serverless::HttpApi")
        if not apis:
            return None
        if len(apis) > 1:
            raise TemplateError(f"the local gateway serves one HttpApi; the template has {sorted(apis)}")
        (logical_id,) = apis
        props = self.resolve(self.properties(logical_id), refs)
        auth = props.get("Auth", {}) or {}
        authorizers: dict[str, JwtAuthorizerSpec] = {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            jwt_config = spec.get("JwtConfiguration")
            if jwt_config is None:
                raise TemplateError(f"authorizer {name}: only JWT authorizers are supported locally")
            audience = jwt_config.get("audience", [])
            authorizers[name] = JwtAuthorizerSpec(
                name=name,
                issuer=jwt_config["issuer"],
                audience=tuple(audience if isinstance(audience, list) else [audience]),
                identity_source=spec.get("IdentitySource", "$request.header.Authorization"),
            )
        cors = props.get("CorsConfiguration")
        cors_spec: CorsSpec | None = None
        if cors is True:
            cors_spec = CorsSpec(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
        elif isinstance(cors, dict):
            cors_spec = CorsSpec(
                allow_origins=tuple(cors.get("AllowOrigins", [])),
                allow_methods=tuple(m.upper() for m in cors.get("AllowMethods", [])),
                allow_headers=tuple(h.lower() for h in cors.get("AllowHeaders", [])),
                expose_headers=tuple(h.lower() for h in cors.get("ExposeHeaders", [])),
                max_age=int(cors["MaxAge"]) if "MaxAge" in cors else None,
                allow_credentials=bool(cors.get("AllowCredentials", False)),
            )
        default = auth.get("DefaultAuthorizer")
        if default is not None and default not in authorizers:
            raise TemplateError(f"DefaultAuthorizer {default} is not declared")
        return HttpApiSpec(logical_id, default, authorizers, cors_spec)

    def global_function_environment(self, refs: Mapping[str, Physical]) -> dict[str, str]:
        """Globals.Function.Environment.Variables, resolved: what every function shares."""
        section = (self.globals.get("Function") or {}).get("Environment") or {}
        variables = self.resolve(section.get("Variables") or {}, refs)
        return {k: env_str(v) for k, v in variables.items()}

    def functions(self, refs: Mapping[str, Physical]) -> list[FunctionSpec]:
        api = self.http_api(refs)
        layer_dirs = {
            lid: (self.base_dir / str(self.resolve(self.properties(lid)["ContentUri"], refs))).resolve()
            for lid in self.resources_of_type("AWS::Serverless::LayerVersion")
        }
        specs = []
        for logical_id in self.resources_of_type("AWS::Serverless::Function"):
            raw_props = self.properties(logical_id)
            props = self.resolve(raw_props, refs)
            if props.get("PackageType", "Zip") != "Zip":
                raise TemplateError(f"{logical_id}: only Zip functions run locally")
            if "InlineCode" in props:
                raise TemplateError(f"{logical_id}: InlineCode is not supported locally")
            env = ((props.get("Environment") or {}).get("Variables")) or {}
            layer_ids = [_ref_target(layer) for layer in raw_props.get("Layers", [])]
            layers = tuple(layer_dirs[lid] for lid in layer_ids if lid is not None and lid in layer_dirs)
            function_name = props.get("FunctionName") or physical_name(logical_id)
            log_group = (props.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{function_name}"
            routes: list[Route] = []
            other_events: dict[str, str] = {}
            event_properties: dict[str, dict[str, Any]] = {}
            for event_name, event in (props.get("Events") or {}).items():
                if event.get("Type") != "HttpApi":
                    other_events[event_name] = event.get("Type", "?")
                    event_properties[event_name] = dict(event.get("Properties") or {})
                    continue
                routes.append(self._route(event_name, event.get("Properties") or {}, api, logical_id))
            specs.append(
                FunctionSpec(
                    logical_id=logical_id,
                    function_name=function_name,
                    code_uri=(self.base_dir / str(props["CodeUri"])).resolve(),
                    handler=str(props["Handler"]),
                    timeout_s=int(props.get("Timeout", 3)),
                    memory_mb=int(props.get("MemorySize", 128)),
                    environment={k: env_str(v) for k, v in env.items()},
                    layer_dirs=layers,
                    log_group_name=str(log_group),
                    routes=tuple(routes),
                    other_events=other_events,
                    event_properties=event_properties,
                )
            )
        return specs

    @staticmethod
    def _route(event_name: str, props: Mapping[str, Any], api: HttpApiSpec | None, fn: str) -> Route:
        if api is None:
            raise TemplateError(f"{fn}.{event_name}: HttpApi event but no AWS::Serverless::HttpApi")
        method = str(props.get("Method", "ANY")).upper()
        path = str(props.get("Path", "$default"))
        if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
            method = "ANY"
        auth = props.get("Auth") or {}
        authorizer = auth.get("Authorizer", api.default_authorizer)
        if authorizer == "NONE":
            authorizer = None
        if authorizer is not None and authorizer not in api.authorizers:
            raise TemplateError(f"{fn}.{event_name}: unknown authorizer {authorizer}")
        return Route(
            method=method,
            path=path,
            authorizer=authorizer,
            scopes=tuple(auth.get("AuthorizationScopes", [])),
            event_name=event_name,
        )


def _ref_target(node: Any) -> str | None:
    if isinstance(node, dict) and set(node) == {"Ref"}:
        return str(node["Ref"])
    return None


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


def env_str(value: Any) -> str:
    """Environment variable values are strings in Lambda; CloudFormation renders them so."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
