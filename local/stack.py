"""The whole local stack: moto + the template's resources + functions + gateway + seed data.

`LocalStack.start()` brings everything up in order and writes `<state-dir>/stack.json` last,
so the file's existence means "ready"; `stop()` takes it all down and removes the file.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.auth import JwtVerifier, cognito_jwks_url, fetch_json
from local.template import REGION, Template

log = logging.getLogger("local.stack")

REPO_ROOT = Path(__file__).resolve().parent.parent

# Never a real account, never a real endpoint: set before any boto3 client exists.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAM_CLI_TELEMETRY": "0",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
    # A shared config/credentials file could name a profile with a real endpoint or role.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_DROPPED_AWS_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def isolate_environment() -> None:
    """Fake credentials and no way out: call before anything creates a boto3 client."""
    for name in list(os.environ):
        if name in _DROPPED_AWS_ENV or name.startswith("AWS_ENDPOINT_URL"):
            del os.environ[name]
    os.environ.update(FAKE_AWS_ENV)
    # Local calls must not go through an HTTP proxy (botocore and httpx honour NO_PROXY).
    no_proxy = [h for h in os.environ.get("NO_PROXY", "").split(",") if h]
    for host in ("127.0.0.1", "localhost"):
        if host not in no_proxy:
            no_proxy.append(host)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(no_proxy)


# The template parameter that points the functions at BPJS, and the Globals variables naming
# the secrets BPJS and SUTASOMA share (read back from moto and handed to the simulator).
BPJS_BASE_URL_PARAMETER = "BpjsBaseUrl"
BPJS_CREDENTIALS_ENV = "BPJS_CREDENTIALS_SECRET_ARN"
BPJS_CALLBACK_SECRET_ENV = "BPJS_CALLBACK_SECRET_ARN"
BPJS_CALLBACK_ROUTE = "POST /bpjs/callbacks"
# Where the functions send BPJS calls when the simulator is off: a loopback port nothing
# listens on (connection refused, a retryable error), never the real BPJS.
BPJS_NOWHERE_URL = "http://127.0.0.1:9"
SIMULATOR_START_TIMEOUT_S = 20.0


@dataclass
class StackOptions:
    api_port: int = 3000
    aws_port: int = 4566
    state_dir: Path = Path(".local")
    seed: bool = True
    template_path: Path = REPO_ROOT / "template.yaml"
    parameter_overrides: dict[str, Any] = field(default_factory=dict)
    # BPJS simulator (local/bpjs_simulator.py) and its switches at start.
    bpjs_simulator: bool = True
    bpjs_port: int = 3001
    bpjs_switches: dict[str, Any] = field(default_factory=dict)  # latency_ms, error_rate, outage…
    # SQS event sources (local/poller.py) and schedules (local/scheduler.py).
    sqs_pollers: bool = True
    sqs_concurrency: int | None = None  # None: each event's ScalingConfig.MaximumConcurrency
    schedules: bool = True
    schedule_rate_seconds: float | None = None  # fire rate() schedules every N s instead
    # DynamoDB stream event sources (local/streams.py).
    stream_pollers: bool = True
    # The field app (local/webapp.py); None: 8080 when the API has a fixed port, else any free port.
    app_port: int | None = None


class LocalStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.state_dir = options.state_dir.resolve()
        self.descriptor_path = self.state_dir / "stack.json"
        self.functions_path = self.state_dir / "functions.json"
        self.simulator_state_path = self.state_dir / "bpjs-simulator.json"
        self._moto: Any = None
        self._gateway: Any = None
        self._simulator: subprocess.Popen[bytes] | None = None
        self._pollers: list[Any] = []
        self._stream_pollers: list[Any] = []
        self._scheduler: Any = None
        self._webapp: Any = None
        self.descriptor: dict[str, Any] = {}

    # ------------------------------------------------------------------ start

    def start(self) -> dict[str, Any]:
        # Imported here so that isolate_environment() has run before boto3 is first imported.
        from local.aws import Clients, create_resources, start_moto
        from local.gateway import BoundRoute, Gateway, LocalFunction, serve
        from local.seed import WILAYAH_CSV, Wilayah, create_demo_users, demo_users, seed_history

        started = time.monotonic()
        # A stale descriptor from a crashed run must not look like "ready".
        self.descriptor_path.unlink(missing_ok=True)
        template = Template(self.options.template_path, parameter_overrides=self.options.parameter_overrides)

        self._moto, aws_url = start_moto(self.options.aws_port)
        os.environ["AWS_ENDPOINT_URL"] = aws_url  # boto3 in function code honours it natively
        log.info("moto listening on %s", aws_url)

        clients = Clients(aws_url, template.pseudo["AWS::Region"])
        created = create_resources(template, clients)
        refs = created.physical
        log.info("created %d resources from %s", len(refs), template.path.name)

        # Before the functions' environment is resolved: BPJS_BASE_URL is the simulator's URL.
        bpjs_simulator_url = self._start_bpjs_simulator(template, clients, refs)

        # The process env holds the Globals (shared by all functions); each function's own
        # variables are applied while its module is imported.
        os.environ.update(template.global_function_environment(refs))
        functions = [LocalFunction(spec) for spec in template.functions(refs)]
        for fn in functions:
            fn.load()
            if fn.load_error:
                log.error("function %s could not be imported; its routes answer 500:\n%s",
                          fn.spec.logical_id, fn.load_error)  # fmt: skip
            for event_name, event_type in fn.spec.other_events.items():
                if event_type not in ("SQS", "Schedule", "ScheduleV2", "DynamoDB"):
                    log.warning(
                        "%s.%s (%s) is not run by the local stack", fn.spec.logical_id, event_name, event_type
                    )

        api = template.http_api(refs)
        verifiers: dict[str, JwtVerifier] = {}
        bound: list[BoundRoute] = []
        if api is not None:
            for name, spec in api.authorizers.items():
                jwks_url = cognito_jwks_url(spec.issuer, aws_url)
                verifiers[name] = JwtVerifier(
                    spec.issuer, spec.audience, fetch_jwks=functools.partial(fetch_json, jwks_url)
                )
            bound = [BoundRoute(route, fn) for fn in functions for route in fn.spec.routes]
        api_id = str(refs[api.logical_id].ref) if api else "local"
        gateway = Gateway(bound, verifiers, cors=api.cors if api else None, api_id=api_id)
        self._gateway = serve(gateway, self.options.api_port)
        api_url = self._gateway.url
        log.info("API gateway listening on %s (%d routes)", api_url, len(bound))

        if bpjs_simulator_url is not None:
            if any(r.route.route_key == BPJS_CALLBACK_ROUTE for r in bound):
                self._configure_simulator(bpjs_simulator_url, {"callback_url": f"{api_url}/bpjs/callbacks"})
            else:
                log.warning(
                    "no %s route in the template: the simulator sends no callbacks", BPJS_CALLBACK_ROUTE
                )

        pool_id, client_id = self._cognito_ids(created)
        app_url = self._start_webapp(template, api_url, aws_url, pool_id, client_id)
        idp = clients("cognito-idp")
        wilayah = Wilayah.load(template.base_dir / WILAYAH_CSV)
        users = demo_users(wilayah)
        create_demo_users(idp, pool_id, users)

        # Event sources and schedules start before seeding: seeded farmers flow on to BPJS.
        event_sources = self._start_pollers(functions, created, clients)
        schedules = self._start_scheduler(functions)

        history: dict[str, Any] | None = None
        if self.options.seed:
            if any(r.route.route_key == "POST /farmers" for r in bound):
                # Months of history through the API, the functions' clock moved back (seed.py).
                log.info("seeding the history (docs/reports.md): registrations, payments, claims, reports…")
                seeded = seed_history(
                    gateway, api_url, idp, client_id, users, wilayah,
                    schedules=self._history_schedules(functions) if self.options.schedules else (),
                    claims=bpjs_simulator_url is not None and self.options.sqs_pollers,
                )  # fmt: skip
                log.info("history seeded: %s", seeded)
                history = seeded.as_json()
            else:
                log.warning("no POST /farmers route in the template: demo farmers not seeded")

        # After the seed, not before: streams are read from TRIM_HORIZON, so the seeded writes
        # are delivered all the same, without competing with the seed for the CPU.
        stream_sources = self._start_stream_pollers(functions, created, clients)

        self.descriptor = {
            "api_url": api_url,
            "aws_endpoint_url": aws_url,
            "region": template.pseudo["AWS::Region"],
            "user_pool_id": pool_id,
            "user_pool_client_id": client_id,
            "bpjs_simulator_url": bpjs_simulator_url,
            "demo_users": [u.as_json() for u in users],
            "app_url": app_url,
            # Extras: the local equivalent of the other stack outputs.
            "stack_name": template.pseudo["AWS::StackName"],
            "pid": os.getpid(),
            "tables": self._names(created, "AWS::DynamoDB::Table"),
            "queues": self._names(created, "AWS::SQS::Queue"),
            "buckets": self._names(created, "AWS::S3::Bucket"),
            "secrets": self._names(created, "AWS::SecretsManager::Secret"),
            "topics": self._names(created, "AWS::SNS::Topic"),
            "alarms": self._names(created, "AWS::CloudWatch::Alarm"),
            "functions": {
                fn.spec.logical_id: {
                    "function_name": fn.spec.function_name,
                    "loaded": fn.load_error is None,
                    "routes": [r.route_key for r in fn.spec.routes],
                    "events": dict(fn.spec.other_events),
                }
                for fn in functions
            },
            "event_sources": event_sources,
            "stream_event_sources": stream_sources,
            "schedules": schedules,
            "seeded": self.options.seed,
            "history": history,
            "startup_seconds": round(time.monotonic() - started, 2),
        }
        # For `python -m local.invoke`: each function's resolved configuration.
        self._write_json(
            self.functions_path, {"functions": {fn.spec.logical_id: fn.spec.to_json() for fn in functions}}
        )
        self._write_descriptor()
        return self.descriptor

    # ------------------------------------------------------------------ field app

    def _start_webapp(
        self, template: Template, api_url: str, aws_url: str, pool_id: str, client_id: str
    ) -> str:
        from local.webapp import serve_webapp

        port = self.options.app_port
        if port is None:
            port = 8080 if self.options.api_port else 0
        self._webapp = serve_webapp(
            template, port, api_url=api_url, aws_url=aws_url, region=template.pseudo["AWS::Region"],
            user_pool_id=pool_id, user_pool_client_id=client_id,
        )  # fmt: skip
        return str(self._webapp.url)

    # ------------------------------------------------------------------ BPJS simulator

    def _start_bpjs_simulator(self, template: Template, clients: Any, refs: dict[str, Any]) -> str | None:
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
        env = template.global_function_environment(refs)
        try:
            sm = clients("secretsmanager")
            credentials = json.loads(sm.get_secret_value(SecretId=env[BPJS_CREDENTIALS_ENV])["SecretString"])
            callback_secret = sm.get_secret_value(SecretId=env[BPJS_CALLBACK_SECRET_ENV])["SecretString"]
            cons_id, secret_key = credentials["cons_id"], credentials["secret_key"]
        except (KeyError, ValueError) as error:
            raise RuntimeError(
                f"the BPJS secrets ({BPJS_CREDENTIALS_ENV} = JSON with cons_id and secret_key, "
                f"{BPJS_CALLBACK_SECRET_ENV}) are not as the simulator needs them: {error!r}"
            ) from None

        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.simulator_state_path.unlink(missing_ok=True)
        args = [
            sys.executable, "-m", "local.bpjs_simulator",
            "--port", str(self.options.bpjs_port),
            "--state-file", str(self.simulator_state_path),
            # Served under the path of the real base URL (/partner): requests signed with the
            # base path in them fail locally as they would against BPJS.
            "--base-path", urlsplit(str(template.parameters[BPJS_BASE_URL_PARAMETER])).path,
            "--exit-with-parent",  # never outlive a stack that was killed
        ]  # fmt: skip
        switches = self.options.bpjs_switches
        if switches.get("latency_ms"):
            args += ["--latency-ms", str(switches["latency_ms"])]
        if switches.get("error_rate"):
            args += ["--error-rate", str(switches["error_rate"])]
        if switches.get("outage"):
            args.append("--outage")
        if switches.get("async_registration"):
            args.append("--async-registration")
        # Secrets by environment, not argv (argv shows in ps).
        sim_env = {
            **os.environ,
            "BPJS_SIM_CONS_ID": cons_id,
            "BPJS_SIM_SECRET_KEY": secret_key,
            "BPJS_SIM_CALLBACK_SECRET": callback_secret,
            "PYTHONUNBUFFERED": "1",
        }
        self._simulator = subprocess.Popen(args, cwd=REPO_ROOT, env=sim_env)
        deadline = time.monotonic() + SIMULATOR_START_TIMEOUT_S
        while not self.simulator_state_path.exists():
            if self._simulator.poll() is not None:
                raise RuntimeError(f"the BPJS simulator exited with {self._simulator.returncode} at start")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the BPJS simulator was not ready after {SIMULATOR_START_TIMEOUT_S:.0f} s"
                )
            time.sleep(0.05)
        url = str(json.loads(self.simulator_state_path.read_text(encoding="utf-8"))["url"])
        template.set_parameter(BPJS_BASE_URL_PARAMETER, url)
        log.info("BPJS simulator listening on %s (%s = %s)", url, BPJS_BASE_URL_PARAMETER, url)
        return url

    @staticmethod
    def _configure_simulator(url: str, changes: dict[str, Any]) -> None:
        import httpx

        response = httpx.post(f"{url}/_sim/config", json=changes, timeout=5.0, trust_env=False)
        response.raise_for_status()

    # ------------------------------------------------------------------ event sources, schedules

    def _start_pollers(self, functions: list[Any], created: Any, clients: Any) -> list[dict[str, Any]]:
        from local.gateway import LocalFunction
        from local.poller import sqs_event_sources, start_pollers

        sources = sqs_event_sources(fn.spec for fn in functions)
        described = [
            {
                "function": s.function_id,
                "event": s.event_name,
                "queue": s.queue_name,
                "batch_size": s.batch_size,
                "report_batch_item_failures": s.report_batch_item_failures,
                "maximum_concurrency": s.maximum_concurrency,
                "polled": self.options.sqs_pollers and s.enabled,
            }
            for s in sources
        ]
        if not sources:
            return described
        if not self.options.sqs_pollers:
            log.warning(
                "SQS pollers off: %s not fed", ", ".join(f"{s.function_id}.{s.event_name}" for s in sources)
            )
            return described
        by_id = {fn.spec.logical_id: fn for fn in functions}

        def instances(function_id: str, count: int) -> list[Any]:
            first = by_id[function_id]
            if first.load_error is not None:
                return []
            found = [first]
            for n in range(1, count):
                extra = LocalFunction(first.spec, instance=n)
                extra.load()
                if extra.load_error is None:
                    found.append(extra)
            return found

        queue_urls = {str(p.attrs["Arn"]): str(p.ref) for p in created.of_type("AWS::SQS::Queue").values()}
        self._pollers = start_pollers(
            sources,
            instances,
            clients("sqs"),
            queue_urls=queue_urls,
            concurrency_override=self.options.sqs_concurrency,
        )
        return described

    def _start_stream_pollers(self, functions: list[Any], created: Any, clients: Any) -> list[dict[str, Any]]:
        from local.streams import dynamodb_event_sources, start_stream_pollers

        sources = dynamodb_event_sources(fn.spec for fn in functions)
        described = [
            {
                "function": s.function_id,
                "event": s.event_name,
                "table": s.table_name,
                "starting_position": s.starting_position,
                "batch_size": s.batch_size,
                "filters": len(s.filters),
                "report_batch_item_failures": s.report_batch_item_failures,
                "polled": self.options.stream_pollers and s.enabled,
            }
            for s in sources
        ]
        if not sources:
            return described
        if not self.options.stream_pollers:
            log.warning("stream pollers off: %s not fed", ", ".join(s.name for s in sources))
            return described
        by_id = {fn.spec.logical_id: fn for fn in functions if fn.load_error is None}
        queue_urls = {str(p.attrs["Arn"]): str(p.ref) for p in created.of_type("AWS::SQS::Queue").values()}
        self._stream_pollers = start_stream_pollers(
            sources, by_id.get, clients("dynamodbstreams"), sqs=clients("sqs"), queue_urls=queue_urls
        )
        return described

    def _start_scheduler(self, functions: list[Any]) -> dict[str, Any]:
        from local.scheduler import Scheduler, schedules_of

        schedules = schedules_of(fn.spec for fn in functions)
        described: dict[str, Any] = {
            s.key: {"expression": s.expression, "timezone": s.timezone, "enabled": s.enabled, "next": None}
            for s in schedules
        }
        if not schedules:
            return described
        if not self.options.schedules:
            log.warning("schedules off: %s not fired", ", ".join(described))
            return described
        invokers = {fn.spec.logical_id: fn for fn in functions if fn.load_error is None}
        self._scheduler = Scheduler(schedules, invokers, rate_seconds=self.options.schedule_rate_seconds)
        self._scheduler.start()
        for key, moment in self._scheduler.upcoming().items():
            described[key]["next"] = moment
        if self.options.schedule_rate_seconds:
            for s in schedules:
                if s.expression.startswith("rate("):
                    described[s.key]["local_every_seconds"] = self.options.schedule_rate_seconds
        return described

    @staticmethod
    def _history_schedules(functions: list[Any]) -> list[tuple[Any, Any]]:
        """(schedule, function) of every loaded function's schedules, for the history seed."""
        from local.scheduler import schedules_of

        by_id = {fn.spec.logical_id: fn for fn in functions if fn.load_error is None}
        return [
            (s, by_id[s.function_id])
            for s in schedules_of(fn.spec for fn in functions)
            if s.enabled and s.function_id in by_id
        ]

    @staticmethod
    def _cognito_ids(created: Any) -> tuple[str, str]:
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

    @staticmethod
    def _names(created: Any, resource_type: str) -> dict[str, str]:
        return {lid: str(p.ref) for lid, p in created.of_type(resource_type).items()}

    def _write_descriptor(self) -> None:
        self._write_json(self.descriptor_path, self.descriptor)

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
        if self._webapp is not None:
            self._webapp.stop()
            self._webapp = None
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        if self._simulator is not None:
            self._stop_simulator(self._simulator)
            self._simulator = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def _stop_simulator(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.simulator_state_path.unlink(missing_ok=True)


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
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)
