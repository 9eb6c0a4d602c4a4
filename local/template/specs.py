"""What the local stack learns from the template: resources' physical ids, the functions (code,
environment, events) and the HttpApi's routes, authorizers and CORS, as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STACK_NAME = "sutasoma-local"
REGION = "ap-southeast-3"
ACCOUNT_ID = "123456789012"  # moto's default account: ARNs it returns carry this id
URL_SUFFIX = "amazonaws.com"
PARTITION = "aws"

# Marker for AWS::NoValue: the key holding it disappears from its mapping (or list).
NO_VALUE = object()

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
    # DefaultRouteSettings and RouteSettings (route key -> settings), as the template has them
    default_route_settings: dict[str, Any] = field(default_factory=dict)
    route_settings: dict[str, dict[str, Any]] = field(default_factory=dict)


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
    # EventInvokeConfig (asynchronous invocations: retries, OnFailure destination), resolved
    event_invoke_config: dict[str, Any] = field(default_factory=dict)

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
            "event_invoke_config": self.event_invoke_config,
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
            event_invoke_config=dict(data.get("event_invoke_config", {})),
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


def physical_name(logical_id: str, *, lower: bool = False) -> str:
    """Name for a resource the template leaves unnamed (CloudFormation would generate one)."""
    name = f"{STACK_NAME}-{logical_id}"
    return name.lower() if lower else name


def env_str(value: Any) -> str:
    """Environment variable values are strings in Lambda; CloudFormation renders them so."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
