"""The SAM resources the local stack runs: the HttpApi (authorizers, CORS, routes) and every
function (code, handler, environment, layers, events), resolved against the created resources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from local.template.cfn_yaml import TemplateError
from local.template.specs import (
    CorsSpec,
    FunctionSpec,
    HttpApiSpec,
    JwtAuthorizerSpec,
    Physical,
    Route,
    env_str,
    physical_name,
)

if TYPE_CHECKING:
    from local.template.template import Template


def http_api(template: Template, refs: Mapping[str, Physical]) -> HttpApiSpec | None:
    """The template's one HttpApi (None if it has none), resolved."""
    apis = template.resources_of_type("AWS::Serverless::HttpApi")
    if not apis:
        return None
    if len(apis) > 1:
        raise TemplateError(f"the local gateway serves one HttpApi; the template has {sorted(apis)}")
    (logical_id,) = apis
    props = template.resolve(template.properties(logical_id), refs)
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
    return HttpApiSpec(
        logical_id, default, authorizers, cors_spec,
        default_route_settings=dict(props.get("DefaultRouteSettings") or {}),
        route_settings={str(k): dict(v or {}) for k, v in (props.get("RouteSettings") or {}).items()},
    )  # fmt: skip


# Variables the local process sets itself, never from the template: the template's empty
# AWS_ENDPOINT_URL (AWS's own endpoints, declared for `sam local`) must never replace moto's.
PROCESS_OWNED = frozenset({"AWS_ENDPOINT_URL"})


def _environment(variables: Mapping[str, Any]) -> dict[str, str]:
    return {k: env_str(v) for k, v in variables.items() if k not in PROCESS_OWNED}


def global_function_environment(template: Template, refs: Mapping[str, Physical]) -> dict[str, str]:
    """Globals.Function.Environment.Variables, resolved: what every function shares."""
    section = (template.globals.get("Function") or {}).get("Environment") or {}
    return _environment(template.resolve(section.get("Variables") or {}, refs))


def functions(template: Template, refs: Mapping[str, Physical]) -> list[FunctionSpec]:
    """Every AWS::Serverless::Function, resolved: what it takes to import and invoke it."""
    api = http_api(template, refs)
    layer_dirs = {
        lid: (
            template.base_dir / str(template.resolve(template.properties(lid)["ContentUri"], refs))
        ).resolve()
        for lid in template.resources_of_type("AWS::Serverless::LayerVersion")
    }
    specs = []
    for logical_id in template.resources_of_type("AWS::Serverless::Function"):
        raw_props = template.properties(logical_id)
        props = template.resolve(raw_props, refs)
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
            routes.append(route(event_name, event.get("Properties") or {}, api, logical_id))
        specs.append(
            FunctionSpec(
                logical_id=logical_id,
                function_name=function_name,
                code_uri=(template.base_dir / str(props["CodeUri"])).resolve(),
                handler=str(props["Handler"]),
                timeout_s=int(props.get("Timeout", 3)),
                memory_mb=int(props.get("MemorySize", 128)),
                environment=_environment(env),
                layer_dirs=layers,
                log_group_name=str(log_group),
                routes=tuple(routes),
                other_events=other_events,
                event_properties=event_properties,
                event_invoke_config=dict(props.get("EventInvokeConfig") or {}),
            )
        )
    return specs


def route(event_name: str, props: Mapping[str, Any], api: HttpApiSpec | None, fn: str) -> Route:
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
