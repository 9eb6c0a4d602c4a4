"""The simulator over HTTP: the BPJS endpoints (under the base path) and the /_sim/* control
endpoints (loopback clients only), served on 127.0.0.1 on a background thread."""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer
from werkzeug.wrappers import Request, Response

from local.bpjs.config import ConfigError
from local.bpjs.simulator import Simulator
from local.keepalive import KeepAliveHandler, serve_keep_alive, stop_keep_alive

log = logging.getLogger("local.bpjs")


# ---------------------------------------------------------------------------------- HTTP


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class SimulatorApp:
    """WSGI: /_sim/* control endpoints, everything else to the Simulator.

    With a base path (BPJS's real base URL has one, `/partner`), the endpoints are served under
    it and signed without it (docs/bpjs-h2h.md: the endpoint path, without any path of the base
    URL); a path outside it is a 404. Control endpoints answer with or without the base path.
    """

    def __init__(self, simulator: Simulator, base_path: str = "") -> None:
        self.simulator = simulator
        self.base_path = normalize_base_path(base_path)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path
        path = raw_uri.split("?", 1)[0] or "/"
        inside = not self.base_path or path.startswith(self.base_path + "/")
        if self.base_path and inside:
            path = path[len(self.base_path) :]
        try:
            if path == "/_sim" or path.startswith("/_sim/"):
                response = self._control(request, path)
            elif not inside:
                response = _json(404, {"code": "NOT_FOUND"})
            else:
                answer, _ = self.simulator.handle(
                    request.method, path, dict(request.headers.items()), request.get_data(cache=False)
                )
                response = _json(answer.status, answer.body)
        except Exception:
            log.exception("simulator error on %s", request.method)
            response = _json(500, {"code": "INTERNAL_ERROR"})
        return response(environ, start_response)

    def _control(self, request: Request, path: str) -> Response:
        sim = self.simulator
        remote = request.remote_addr or ""
        if not _is_loopback_address(remote):
            return _json(403, {"code": "FORBIDDEN", "detail": "control endpoints answer 127.0.0.1 only"})
        method = request.method
        if path == "/_sim/health" and method == "GET":
            return _json(200, {"status": "ok"})
        if path == "/_sim/config":
            if method == "GET":
                with sim._lock:
                    return _json(200, sim.config.as_json())
            if method == "POST":
                changes = request.get_json(silent=True)
                if not isinstance(changes, dict):
                    return _json(400, {"code": "INVALID_REQUEST", "detail": "a JSON object of settings"})
                try:
                    config = sim.configure(changes)
                except ConfigError as error:
                    return _json(400, {"code": "INVALID_REQUEST", "detail": str(error)})
                log.info("config changed: %s", ", ".join(sorted(changes)))
                return _json(200, config)
        if path == "/_sim/requests" and method == "GET":
            return _json(200, sim.request_log())
        if path == "/_sim/participants" and method == "POST":
            listed = request.get_json(silent=True)
            if not isinstance(listed, list) or not all(
                isinstance(i, dict) and {"kpj_number", "nik"} <= set(i) for i in listed
            ):
                return _json(400, {"code": "INVALID_REQUEST", "detail": "a list of {kpj_number, nik}"})
            return _json(200, {"added": sim.add_participants(listed)})
        if path == "/_sim/claims" and method == "GET":
            return _json(200, {"claims": sim.claim_list()})
        if path == "/_sim/callbacks" and method == "GET":
            return _json(200, {"callbacks": sim.callback_log()})
        if path == "/_sim/reset" and method == "POST":
            sim.reset()
            log.info("reset")
            return _json(200, {"status": "reset"})
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == "participants" and method == "GET":
            info = sim.participant_info(parts[2])
            return _json(200, info) if info else _json(404, {"code": "NOT_FOUND"})
        if len(parts) == 4 and parts[1] == "callbacks" and parts[3] == "resend" and method == "POST":
            if sim.resend_callback(parts[2]):
                return _json(202, {"event_id": parts[2], "status": "SCHEDULED"})
            return _json(404, {"code": "NOT_FOUND"})
        if len(parts) == 4 and parts[1] == "claims" and parts[3] == "decision" and method == "POST":
            decision = request.get_json(silent=True)
            if not isinstance(decision, dict):
                return _json(400, {"code": "INVALID_REQUEST", "detail": "a JSON object"})
            answer = sim.decide_claim(parts[2], decision)
            return _json(answer.status, answer.body)
        return _json(404, {"code": "NOT_FOUND"})


def _is_loopback_address(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class _QuietHandler(KeepAliveHandler):
    """werkzeug's request lines would carry paths with KPJ numbers: the simulator logs its own."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@dataclass
class SimulatorServer:
    simulator: Simulator
    server: BaseWSGIServer
    thread: threading.Thread

    base_path: str = ""

    @property
    def url(self) -> str:
        """The base URL of the BPJS API (what BPJS_BASE_URL is set to)."""
        host, port = self.server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}{self.base_path}"

    def stop(self) -> None:
        self.simulator.close()
        stop_keep_alive(self.server)
        self.thread.join(timeout=10)


def normalize_base_path(base_path: str) -> str:
    """`partner/` -> `/partner`; `/` or empty -> empty."""
    stripped = base_path.strip("/")
    return f"/{stripped}" if stripped else ""


def serve(
    simulator: Simulator, port: int = 0, host: str = "127.0.0.1", base_path: str = ""
) -> SimulatorServer:
    """Serve the simulator on a background thread (a thread per connection, kept alive: local.keepalive)."""
    if not _is_loopback_address(host):
        raise ValueError("the simulator listens on a loopback address only")
    app = SimulatorApp(simulator, base_path)
    server = serve_keep_alive(host, port, app, _QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="bpjs-simulator", daemon=True
    )
    thread.start()
    return SimulatorServer(simulator, server, thread, app.base_path)
