"""The whole local stack: moto + the template's resources + functions + gateway + seed data.

`LocalStack.start()` brings everything up in order and writes `<state-dir>/stack.json` last,
so the file's existence means "ready"; `stop()` takes it all down and removes the file.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.bpjs.process import (
    BPJS_BASE_URL_PARAMETER,
    BPJS_NOWHERE_URL,
    BPJS_RATE_LIMIT_PARAMETER,
    LOCAL_BPJS_RATE_LIMIT,
    REPO_ROOT,
    SimulatorProcess,
    shared_secrets,
)
from local.gateway.auth import JwtVerifier, cognito_jwks_url, fetch_json
from local.template.template import Template

if TYPE_CHECKING:  # imported in start(): isolate_environment() runs before boto3 is first imported
    from local.aws.resources import Created
    from local.aws.server import Clients
    from local.functions import LocalFunction
    from local.gateway.app import Gateway
    from local.gateway.routing import BoundRoute
    from local.seed.users import DemoUser

log = logging.getLogger("local.stack")

BPJS_CALLBACK_ROUTE = "POST /bpjs/callbacks"
# Parameters the local stack sets unless told otherwise (--parameter NAME=VALUE wins): the demo
# users have no authenticator app, so staff MFA is optional here (docs/decisions.md "Staff MFA";
# `--parameter StaffMfa=required` tries it; tests/local/test_staff_mfa.py does).
LOCAL_PARAMETER_DEFAULTS = {"StaffMfa": "optional"}


class PortsInUse(RuntimeError):
    def __init__(self, busy: dict[str, int]) -> None:
        named = ", ".join(f"{port} ({what})" for what, port in busy.items())
        super().__init__(
            f"port {named} already in use: is another `make run` still running? Stop it (Ctrl+C), or "
            "pick other ports (python -m local --api-port/--aws-port/--bpjs-port/--app-port)"
        )


def webapp_port(options: StackOptions) -> int:
    """The field app's port: as given, else 8080 when the API has a fixed port, else any free one."""
    if options.app_port is not None:
        return options.app_port
    return 8080 if options.api_port else 0


def ports_in_use(options: StackOptions) -> dict[str, int]:
    """The fixed ports of this run (0 = any free one) that another program holds on 127.0.0.1."""
    wanted = {"API": options.api_port, "AWS": options.aws_port, "field app": webapp_port(options)}
    if options.bpjs_simulator:
        wanted["BPJS simulator"] = options.bpjs_port
    busy = {}
    for what, port in wanted.items():
        if port:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    busy[what] = port
    return busy


@dataclass
class StackOptions:
    api_port: int = 3000
    aws_port: int = 4566
    state_dir: Path = Path(".local")
    seed: bool = True
    template_path: Path = REPO_ROOT / "template.yaml"
    parameter_overrides: dict[str, Any] = field(default_factory=dict)
    # BPJS simulator (local/bpjs/) and its switches at start.
    bpjs_simulator: bool = True
    bpjs_port: int = 3001
    bpjs_switches: dict[str, Any] = field(default_factory=dict)  # latency_ms, error_rate, outage…
    # SQS event sources (local/pollers/sqs.py) and schedules (local/scheduler/).
    sqs_pollers: bool = True
    sqs_concurrency: int | None = None  # None: each event's ScalingConfig.MaximumConcurrency
    schedules: bool = True
    schedule_rate_seconds: float | None = None  # fire rate() schedules every N s instead
    # DynamoDB stream event sources (local/pollers/streams.py).
    stream_pollers: bool = True
    # EventBridge rules fed by S3 object events (local/eventbridge/).
    object_events: bool = True
    # The field app (local/webapp.py); None: 8080 when the API has a fixed port, else any free port.
    app_port: int | None = None


class LocalStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.state_dir = options.state_dir.resolve()
        self.descriptor_path = self.state_dir / "stack.json"
        self.functions_path = self.state_dir / "functions.json"
        self.simulator = SimulatorProcess(
            self.state_dir / "bpjs-simulator.json", options.bpjs_port, options.bpjs_switches
        )
        self._moto: Any = None
        self._gateway: Any = None
        self._pollers: list[Any] = []
        self._stream_pollers: list[Any] = []
        self._scheduler: Any = None
        self._event_bus: Any = None
        self._functions: list[Any] = []
        self._object_events: Any = None
        self._webapp: Any = None
        self.descriptor: dict[str, Any] = {}

    # ------------------------------------------------------------------ start

    def start(self) -> dict[str, Any]:
        # Imported here so that isolate_environment() has run before boto3 is first imported.
        from local.aws.resources import create_resources
        from local.aws.server import Clients, start_moto
        from local.cognito import start_cognito_triggers
        from local.event_sources import (
            start_object_events,
            start_schedules,
            start_sqs_sources,
            start_stream_sources,
        )
        from local.seed.users import create_demo_users, demo_users, soppeng_kecamatan

        started = time.monotonic()
        options = self.options
        busy = ports_in_use(options)
        if busy:
            # Else moto's server thread dies on its bind and the stack waits for it for ever. Before
            # the descriptor is touched: it is the running stack's.
            raise PortsInUse(busy)
        # A stale descriptor from a crashed run must not look like "ready".
        self.descriptor_path.unlink(missing_ok=True)
        template = Template(options.template_path, parameter_overrides=self.parameters())
        self._moto, aws_url = start_moto(options.aws_port)
        os.environ["AWS_ENDPOINT_URL"] = aws_url  # boto3 in function code honours it natively
        log.info("moto listening on %s", aws_url)
        clients = Clients(aws_url, template.pseudo["AWS::Region"])
        created = create_resources(template, clients)
        log.info("created %d resources from %s", len(created.physical), template.path.name)

        # Before the functions' environment is resolved: BPJS_BASE_URL is the simulator's URL.
        bpjs_url = self._start_bpjs_simulator(template, clients, created)
        functions = self._load_functions(template, created)
        self._functions = functions
        cognito_triggers = start_cognito_triggers(functions)  # before anyone signs in
        gateway, bound = self._start_gateway(template, created, functions, aws_url)
        api_url = self._gateway.url
        if bpjs_url is not None:
            self._connect_simulator(bound, api_url)

        app_url = self._start_webapp(template, created, api_url, aws_url)
        users = demo_users(soppeng_kecamatan())
        create_demo_users(clients("cognito-idp"), cognito_ids(created)[0], users)
        # Event sources and schedules start before seeding: seeded farmers flow on to BPJS.
        sqs_sources, self._pollers = start_sqs_sources(
            functions,
            created,
            clients("sqs"),
            enabled=options.sqs_pollers,
            concurrency=options.sqs_concurrency,
        )
        schedules, self._scheduler = start_schedules(
            functions, enabled=options.schedules, rate_seconds=options.schedule_rate_seconds
        )
        # Uploads the seed makes are checked by the functions S3's events reach.
        object_rules, self._event_bus, self._object_events = start_object_events(
            functions, created, clients("sqs"), enabled=options.object_events
        )
        history = self._seed(gateway, api_url, clients, created, users, bound, functions, bpjs_url)
        # After the seed, not before: streams are read from TRIM_HORIZON, so the seeded writes
        # are delivered all the same, without competing with the seed for the CPU.
        stream_sources, self._stream_pollers = start_stream_sources(
            functions, created, clients("dynamodbstreams"), clients("sqs"), enabled=options.stream_pollers
        )
        self.descriptor = {
            **self._outputs(template, created, api_url, aws_url, bpjs_url, users),
            "app_url": app_url,
            "functions": _functions_described(functions),
            "event_sources": sqs_sources,
            "stream_event_sources": stream_sources,
            "event_rules": object_rules,
            "cognito_triggers": cognito_triggers,
            "parameters": {
                k: template.parameters[k] for k in LOCAL_PARAMETER_DEFAULTS if k in template.parameters
            },
            "schedules": schedules,
            "seeded": options.seed,
            "history": history,
            "startup_seconds": round(time.monotonic() - started, 2),
        }
        # For `python -m local.invoke`: each function's resolved configuration.
        self._write_json(
            self.functions_path, {"functions": {fn.spec.logical_id: fn.spec.to_json() for fn in functions}}
        )
        self._write_json(self.descriptor_path, self.descriptor)
        return self.descriptor

    def parameters(self) -> dict[str, Any]:
        """The template's parameters as given, over the local defaults (of those it declares)."""
        declared = Template(self.options.template_path).parameters
        defaults = {k: v for k, v in LOCAL_PARAMETER_DEFAULTS.items() if k in declared}
        return {**defaults, **self.options.parameter_overrides}

    def _load_functions(self, template: Template, created: Created) -> list[LocalFunction]:
        """Every function imported (local.loader), with the Globals in the process environment
        (shared by all functions) and each function's own variables applied while it imports."""
        from local.functions import LocalFunction

        refs = created.physical
        os.environ.update(template.global_function_environment(refs))
        functions = [LocalFunction(spec) for spec in template.functions(refs)]
        for fn in functions:
            fn.load()
            if fn.load_error:
                log.error("function %s could not be imported; its routes answer 500:\n%s",
                          fn.spec.logical_id, fn.load_error)  # fmt: skip
            for event_name, event_type in fn.spec.other_events.items():
                if event_type not in (
                    "SQS",
                    "Schedule",
                    "ScheduleV2",
                    "DynamoDB",
                    "EventBridgeRule",
                    "Cognito",
                ):
                    log.warning(
                        "%s.%s (%s) is not run by the local stack", fn.spec.logical_id, event_name, event_type
                    )
        return functions

    def _start_gateway(
        self, template: Template, created: Created, functions: Sequence[LocalFunction], aws_url: str
    ) -> tuple[Gateway, list[BoundRoute]]:
        """The HttpApi's routes on 127.0.0.1, each JWT authorizer verifying against moto's JWKS."""
        from local.gateway.app import Gateway
        from local.gateway.routing import BoundRoute
        from local.gateway.server import serve
        from local.gateway.throttle import Throttle

        api = template.http_api(created.physical)
        verifiers: dict[str, JwtVerifier] = {}
        bound: list[BoundRoute] = []
        if api is not None:
            for name, spec in api.authorizers.items():
                jwks_url = cognito_jwks_url(spec.issuer, aws_url)
                verifiers[name] = JwtVerifier(
                    spec.issuer, spec.audience, fetch_jwks=functools.partial(fetch_json, jwks_url)
                )
            bound = [BoundRoute(route, fn) for fn in functions for route in fn.spec.routes]
        api_id = str(created.physical[api.logical_id].ref) if api else "local"
        throttle = Throttle.from_settings(api.default_route_settings, api.route_settings) if api else None
        gateway = Gateway(bound, verifiers, cors=api.cors if api else None, api_id=api_id, throttle=throttle)
        self._gateway = serve(gateway, self.options.api_port)
        log.info("API gateway listening on %s (%d routes)", self._gateway.url, len(bound))
        return gateway, bound

    def _seed(
        self,
        gateway: Gateway,
        api_url: str,
        clients: Clients,
        created: Created,
        users: list[DemoUser],
        bound: Sequence[BoundRoute],
        functions: Sequence[LocalFunction],
        bpjs_url: str | None,
    ) -> dict[str, Any] | None:
        """Months of history through the API, the functions' clock moved back (local.seed)."""
        from local.event_sources import history_schedules
        from local.seed.history import seed_history
        from local.seed.users import soppeng_kecamatan

        if not self.options.seed:
            return None
        if not any(r.route.route_key == "POST /farmers" for r in bound):
            log.warning("no POST /farmers route in the template: demo farmers not seeded")
            return None
        log.info("seeding the history (docs/reports.md): registrations, payments, claims, reports…")
        seeded = seed_history(
            gateway, api_url, clients("cognito-idp"), cognito_ids(created)[1], users, soppeng_kecamatan(),
            schedules=history_schedules(functions) if self.options.schedules else (),
            claims=bpjs_url is not None and self.options.sqs_pollers, simulator_url=bpjs_url,
        )  # fmt: skip
        log.info("history seeded: %s", seeded)
        return seeded.as_json()

    def _outputs(
        self,
        template: Template,
        created: Created,
        api_url: str,
        aws_url: str,
        bpjs_url: str | None,
        users: list[DemoUser],
    ) -> dict[str, Any]:
        """The contract keys of stack.json, and the local equivalent of the other stack outputs."""
        pool_id, client_id = cognito_ids(created)
        return {
            "api_url": api_url,
            "aws_endpoint_url": aws_url,
            "region": template.pseudo["AWS::Region"],
            "user_pool_id": pool_id,
            "user_pool_client_id": client_id,
            "bpjs_simulator_url": bpjs_url,
            "demo_users": [u.as_json() for u in users],
            "stack_name": template.pseudo["AWS::StackName"],
            "pid": os.getpid(),
            "tables": _names(created, "AWS::DynamoDB::Table"),
            "queues": _names(created, "AWS::SQS::Queue"),
            "buckets": _names(created, "AWS::S3::Bucket"),
            "secrets": _names(created, "AWS::SecretsManager::Secret"),
            "topics": _names(created, "AWS::SNS::Topic"),
            "alarms": _names(created, "AWS::CloudWatch::Alarm"),
        }

    def _start_webapp(self, template: Template, created: Created, api_url: str, aws_url: str) -> str:
        """The field app (web/) with its config.json for this stack and the template's headers."""
        from local.webapp import serve_webapp

        port = webapp_port(self.options)
        pool_id, client_id = cognito_ids(created)
        self._webapp = serve_webapp(
            template, port, api_url=api_url, aws_url=aws_url, region=template.pseudo["AWS::Region"],
            user_pool_id=pool_id, user_pool_client_id=client_id,
        )  # fmt: skip
        return str(self._webapp.url)

    # ------------------------------------------------------------------ BPJS simulator

    def _start_bpjs_simulator(self, template: Template, clients: Clients, created: Created) -> str | None:
        """Start the BPJS simulator (a separate process) with the secrets the functions will read,
        and point the template's BpjsBaseUrl at it. Returns its URL, or None if not started."""
        if BPJS_BASE_URL_PARAMETER not in template.parameters:
            log.info("no %s parameter in the template: no BPJS simulator", BPJS_BASE_URL_PARAMETER)
            return None
        if BPJS_BASE_URL_PARAMETER in self.options.parameter_overrides:
            log.warning(
                "%s given on the command line (%s): the BPJS simulator is not started",
                BPJS_BASE_URL_PARAMETER, template.parameters[BPJS_BASE_URL_PARAMETER],
            )  # fmt: skip
            return None
        if not self.options.bpjs_simulator:
            template.set_parameter(BPJS_BASE_URL_PARAMETER, BPJS_NOWHERE_URL)
            log.warning("BPJS simulator off: BPJS calls go to %s and fail (retryable)", BPJS_NOWHERE_URL)
            return None
        secrets = shared_secrets(
            clients("secretsmanager"), template.global_function_environment(created.physical)
        )
        url = self.simulator.start(template, secrets)
        if (
            BPJS_RATE_LIMIT_PARAMETER in template.parameters
            and BPJS_RATE_LIMIT_PARAMETER not in self.options.parameter_overrides
        ):
            # BPJS's limit is BPJS's: the simulator has none unless told (SimConfig.rate_limit), so
            # the consumers are not held to production's share of it (the seeded history's hundreds
            # of operations then wait minutes behind each other). --parameter BpjsRateLimit=N and
            # the simulator's rate_limit test a limit (bench/queue_throughput.py does).
            template.set_parameter(BPJS_RATE_LIMIT_PARAMETER, LOCAL_BPJS_RATE_LIMIT)
            log.info(
                "%s=%s for the simulator (no limit of its own)",
                BPJS_RATE_LIMIT_PARAMETER,
                LOCAL_BPJS_RATE_LIMIT,
            )
        return url

    def _connect_simulator(self, bound: Sequence[BoundRoute], api_url: str) -> None:
        """The simulator's callbacks go to the gateway's callback route."""
        if any(r.route.route_key == BPJS_CALLBACK_ROUTE for r in bound):
            self.simulator.configure({"callback_url": f"{api_url}/bpjs/callbacks"})
        else:
            log.warning("no %s route in the template: the simulator sends no callbacks", BPJS_CALLBACK_ROUTE)

    def _write_json(self, path: Path, data: dict[str, Any]) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)  # atomic: readers never see half a file

    # ------------------------------------------------------------------ stop

    def stop(self) -> None:
        self.descriptor_path.unlink(missing_ok=True)
        self.functions_path.unlink(missing_ok=True)
        if self._scheduler is not None:
            self._scheduler.stop()
            self._scheduler = None
        for poller in self._pollers:
            poller.stop()
        self._pollers = []
        for stream_poller in self._stream_pollers:
            stream_poller.stop()
        self._stream_pollers = []
        if self._functions:
            from local.cognito import stop_cognito_triggers

            stop_cognito_triggers(self._functions)
            self._functions = []
        if self._object_events is not None:
            self._object_events.stop()
            self._object_events = None
        if self._event_bus is not None:
            self._event_bus.stop()
            self._event_bus = None
        if self._webapp is not None:
            self._webapp.stop()
            self._webapp = None
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        self.simulator.stop()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None


def cognito_ids(created: Created) -> tuple[str, str]:
    """The user pool's id and its client's id (the descriptor names one of each)."""
    pools = created.of_type("AWS::Cognito::UserPool")
    pool_clients = created.of_type("AWS::Cognito::UserPoolClient")
    if len(pools) != 1 or len(pool_clients) != 1:
        raise RuntimeError(
            f"the descriptor names one user pool and one client; the template has "
            f"{sorted(pools)} and {sorted(pool_clients)}"
        )
    (pool,) = pools.values()
    (client,) = pool_clients.values()
    return str(pool.ref), str(client.ref)


def _names(created: Created, resource_type: str) -> dict[str, str]:
    return {lid: str(p.ref) for lid, p in created.of_type(resource_type).items()}


def _functions_described(functions: Sequence[LocalFunction]) -> dict[str, Any]:
    return {
        fn.spec.logical_id: {
            "function_name": fn.spec.function_name,
            "loaded": fn.load_error is None,
            "routes": [r.route_key for r in fn.spec.routes],
            "events": dict(fn.spec.other_events),
        }
        for fn in functions
    }


def banner(descriptor: dict[str, Any], descriptor_path: Path) -> str:
    users = descriptor["demo_users"]
    agents = [u["username"] for u in users if u["role"] == "agent"]
    lines = [
        "",
        "SUTASOMA local stack is up",
        f"  API            {descriptor['api_url']}   (Swagger UI: {descriptor['api_url']}/docs)",
        f"  Field app      {descriptor['app_url']}",
        f"  AWS (moto)     {descriptor['aws_endpoint_url']}   region {descriptor['region']}",
        # No ids here (user pool, client): they are in stack.json, and long digit runs in
        # them would look like account numbers to the log scan for personal data.
        f"  BPJS simulator {descriptor['bpjs_simulator_url'] or 'not started'}"
        + ("   (switches: POST /_sim/config)" if descriptor["bpjs_simulator_url"] else ""),
        f"  Demo logins    password {users[0]['password']!r} for every user:",
        f"                 admin; {agents[0]} … ({len(agents)} agents: agen.<kecamatan>);"
        " koordinator.<kecamatan>",
        f"  Descriptor     {descriptor_path}",
        f"  Member import  {_sample_line(descriptor_path.parent)}",
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def _sample_line(state_dir: Path) -> str:
    """Where `make sample-import` wrote the sample member file (docs/imports.md imports it)."""
    from local.sample_import import DEFAULT_ROWS, default_path

    sample = default_path(folder=state_dir)
    if sample.exists():
        return f"{sample} ({DEFAULT_ROWS} members; how to import it: docs/imports.md)"
    return f"make sample-import writes {DEFAULT_ROWS} members to {sample} (docs/imports.md)"
