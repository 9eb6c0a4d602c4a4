"""Handlers on moto: the template's resources created in an embedded moto server, and each
function's handler called in-process with that function's own environment."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from local.aws.moto_patches import serialize_moto_dynamodb
from local.aws.resources import Created, create_resources
from local.aws.server import Clients, start_moto
from local.loader import applied_environment, load_function
from local.template.specs import FunctionSpec
from local.template.template import Template
from tests.support.events import LambdaContext

if TYPE_CHECKING:
    from sutasoma.adapters.dynamo.table import Table
    from sutasoma.app.ports import Storage

ROOT = Path(__file__).resolve().parents[2]
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-southeast-3",
    "AWS_REGION": "ap-southeast-3",
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    # Set before any function module imports sutasoma: the shared Metrics needs a namespace.
    "POWERTOOLS_METRICS_NAMESPACE": "Sutasoma",
}


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


class LandedObjects:
    """S3's EventBridge events of the objects created in moto (the local stack's listener,
    local/eventbridge/s3.py), kept until a test delivers them (MotoStack.check_uploads)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def put(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def take(self) -> list[dict[str, Any]]:
        taken, self.events = self.events, []
        return taken


@dataclass
class MotoStack:
    url: str
    template: Template
    created: Created
    functions: dict[str, FunctionSpec]
    clients: Clients
    env_overrides: dict[str, str] = field(default_factory=dict)
    landed: LandedObjects = field(default_factory=LandedObjects)

    def check_uploads(self) -> list[dict[str, Any]]:
        """Deliver the S3 events of the objects created since the last call to the functions of
        the template's matching EventBridge rules, in this thread (as the local stack's bus would,
        asynchronously): what each function answered."""
        from local.eventbridge.rules import event_rules

        rules = event_rules(self.functions.values())
        answers = []
        for event in self.landed.take():
            for rule in rules:
                if rule.matches(event):
                    answers.append(FunctionInvoker(self, rule.function_id).raw(event))
        return answers

    def env_for(self, logical_id: str) -> dict[str, str]:
        return {
            **FAKE_AWS_ENV,
            **self.functions[logical_id].environment,
            "AWS_ENDPOINT_URL": self.url,
            **self.env_overrides,
        }

    def ref(self, logical_id: str) -> str:
        return str(self.created.physical[logical_id].ref)

    def table_items(self, logical_id: str = "DomainTable") -> list[dict[str, Any]]:
        """Every item of a table (a full scan, every page), as DynamoDB JSON."""
        client = self.clients("dynamodb")
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=self.ref(logical_id)):
            items.extend(page["Items"])
        return items

    def table(self) -> Table:
        from sutasoma.adapters.dynamo.table import Table

        return Table(self.ref("DomainTable"), client=self.clients("dynamodb"))

    def storage(self) -> Storage:
        """The domain table through the product's own repositories (the test's moto client)."""
        from sutasoma.runtime import wiring

        return wiring.storage_on(self.table())

    def item(self, key: dict[str, str]) -> dict[str, Any] | None:
        """One stored item, keys included (key from sutasoma.adapters.dynamo.keys)."""
        return self.table().get(key, consistent=True)

    def reset(self) -> None:
        """Empty every moto backend and create the template's resources again.

        moto's backends are per process, not per server: a second server would share them.
        """
        global _active_function
        httpx.post(f"{self.url}/moto-api/reset").raise_for_status()
        self.landed.take()
        self.created = create_resources(self.template, self.clients)
        self.functions = {f.logical_id: f for f in self.template.functions(self.created.physical)}
        _active_function = None  # rebuild services: names and ARNs may have changed


def start_stack() -> tuple[Any, MotoStack]:
    from local.eventbridge.s3 import ObjectEvents

    os.environ.update(FAKE_AWS_ENV)
    serialize_moto_dynamodb()
    server, url = start_moto(0)
    template = Template(ROOT / "template.yaml")
    clients = Clients(url)
    created = create_resources(template, clients)
    functions = {f.logical_id: f for f in template.functions(created.physical)}
    stack = MotoStack(url, template, created, functions, clients)
    ObjectEvents(stack.landed).start()  # for the session: moto's S3 is the process's
    return server, stack


_active_function: tuple[str, tuple[tuple[str, str], ...]] | None = None


class FunctionInvoker:
    def __init__(self, stack: MotoStack, logical_id: str) -> None:
        self.stack = stack
        self.logical_id = logical_id
        # One warm module per function for the whole session, imported with its environment.
        self.module = load_function(self.spec, prefix="fn", environment=self.env, reuse=True)

    @property
    def spec(self) -> FunctionSpec:
        return self.stack.functions[self.logical_id]

    @property
    def env(self) -> dict[str, str]:
        return self.stack.env_for(self.logical_id)

    def settings(self) -> Any:
        """The function's settings, as its handler reads them (services built from them are the
        ones it uses: `wiring.payment_desk(invoker.settings())`)."""
        with applied_environment(self.env):
            return self.module.SETTINGS.get()

    def raw(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """Invoke the handler; `context` replaces the default one (a full timeout left)."""
        from sutasoma.runtime import wiring

        global _active_function
        env = self.env
        with applied_environment(env):
            signature = (self.spec.logical_id, tuple(sorted(env.items())))
            if _active_function != signature:
                # Services are built once per execution environment, as in Lambda.
                wiring.reset()
                _active_function = signature
            if context is None:
                context = LambdaContext(self.spec.function_name, self.spec.memory_mb, self.spec.timeout_s)
            result: dict[str, Any] = self.module.lambda_handler(event, context)
            return result

    def __call__(self, event: dict[str, Any]) -> HttpResult:
        response = self.raw(event)
        text = response.get("body") or ""
        headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        body: Any = text
        if "json" in headers.get("content-type", ""):
            body = json.loads(text) if text else None
        return HttpResult(response["statusCode"], headers, body)
