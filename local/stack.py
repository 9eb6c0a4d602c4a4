"""The whole local stack: moto + the template's resources + functions + gateway + seed data.

`LocalStack.start()` brings everything up in order and writes `<state-dir>/stack.json` last,
so the file's existence means "ready"; `stop()` takes it all down and removes the file.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass
class StackOptions:
    api_port: int = 3000
    aws_port: int = 4566
    state_dir: Path = Path(".local")
    seed: bool = True
    template_path: Path = REPO_ROOT / "template.yaml"
    parameter_overrides: dict[str, Any] = field(default_factory=dict)


class LocalStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.state_dir = options.state_dir.resolve()
        self.descriptor_path = self.state_dir / "stack.json"
        self._moto: Any = None
        self._gateway: Any = None
        self.descriptor: dict[str, Any] = {}

    # ------------------------------------------------------------------ start

    def start(self) -> dict[str, Any]:
        # Imported here so that isolate_environment() has run before boto3 is first imported.
        from local.aws import Clients, create_resources, start_moto
        from local.gateway import BoundRoute, Gateway, LocalFunction, serve
        from local.seed import WILAYAH_CSV, Wilayah, create_demo_users, demo_farmers, demo_users, seed_farmers

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
                log.warning(
                    "%s.%s (%s) is not run by the local stack yet", fn.spec.logical_id, event_name, event_type
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

        pool_id, client_id = self._cognito_ids(created)
        idp = clients("cognito-idp")
        wilayah = Wilayah.load(template.base_dir / WILAYAH_CSV)
        users = demo_users(wilayah)
        create_demo_users(idp, pool_id, users)

        bpjs_simulator_url = self._start_bpjs_simulator()

        if self.options.seed:
            if any(r.route.route_key == "POST /farmers" for r in bound):
                report = seed_farmers(api_url, idp, client_id, users, demo_farmers(wilayah))
                log.info("demo farmers: %s", report)
            else:
                log.warning("no POST /farmers route in the template: demo farmers not seeded")

        self.descriptor = {
            "api_url": api_url,
            "aws_endpoint_url": aws_url,
            "region": template.pseudo["AWS::Region"],
            "user_pool_id": pool_id,
            "user_pool_client_id": client_id,
            "bpjs_simulator_url": bpjs_simulator_url,
            "demo_users": [u.as_json() for u in users],
            # Extras: the local equivalent of the other stack outputs.
            "stack_name": template.pseudo["AWS::StackName"],
            "pid": os.getpid(),
            "tables": self._names(created, "AWS::DynamoDB::Table"),
            "queues": self._names(created, "AWS::SQS::Queue"),
            "buckets": self._names(created, "AWS::S3::Bucket"),
            "secrets": self._names(created, "AWS::SecretsManager::Secret"),
            "functions": {
                fn.spec.logical_id: {
                    "function_name": fn.spec.function_name,
                    "loaded": fn.load_error is None,
                    "routes": [r.route_key for r in fn.spec.routes],
                }
                for fn in functions
            },
            "seeded": self.options.seed,
            "startup_seconds": round(time.monotonic() - started, 2),
        }
        self._write_descriptor()
        return self.descriptor

    def _start_bpjs_simulator(self) -> str | None:
        """Start the BPJS host-to-host simulator and return its URL.

        Not built yet: when it is, start it here (a separate process on 127.0.0.1, port 0 allowed)
        and stop it in stop(); stack.json then carries its URL.
        """
        return None

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
        self.state_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.descriptor_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.descriptor, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.descriptor_path)  # atomic: readers never see half a file

    # ------------------------------------------------------------------ stop

    def stop(self) -> None:
        self.descriptor_path.unlink(missing_ok=True)
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None


def banner(descriptor: dict[str, Any], descriptor_path: Path) -> str:
    users = descriptor["demo_users"]
    agents = [u["username"] for u in users if u["role"] == "agent"]
    lines = [
        "",
        "SUTASOMA local stack is up",
        f"  API            {descriptor['api_url']}   (Swagger UI: {descriptor['api_url']}/docs)",
        f"  AWS (moto)     {descriptor['aws_endpoint_url']}   region {descriptor['region']}",
        # No ids here (user pool, client): they are in stack.json, and long digit runs in
        # them would look like account numbers to the log scan for personal data.
        f"  BPJS simulator {descriptor['bpjs_simulator_url'] or 'not started (not built yet)'}",
        f"  Demo logins    password {users[0]['password']!r} for every user:",
        f"                 admin; {agents[0]} … ({len(agents)} agents: agen.<kecamatan>);"
        " koordinator.<kecamatan>",
        f"  Descriptor     {descriptor_path}",
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)
