"""A local API Gateway HTTP API: the HttpApi routes of template.yaml on 127.0.0.1.

For each request: match a route (most specific first), run the JWT authorizer if the route has
one, build a payload-format-2.0 event, call the function's `lambda_handler` in this process with
a Lambda-like context, and turn its response into HTTP, as API Gateway + Lambda would.

Personal data (NIK, phone numbers) travels in bodies and sometimes in query strings, so the
access log has method, route key, status, latency, the caller's IP and user agent only: never a
body, a path, a query string or an Authorization header.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from local.functions import new_lambda_request_id
from local.gateway import cors
from local.gateway.auth import Forbidden, JwtVerifier, Unauthorized
from local.gateway.events import build_event, new_apigw_request_id, to_http_response
from local.gateway.routing import BoundRoute, match_route
from local.gateway.throttle import Throttle
from local.template.specs import ACCOUNT_ID, CorsSpec

log = logging.getLogger("local.gateway")
access_log = logging.getLogger("local.gateway.access")

UNAUTHORIZED = {"message": "Unauthorized"}
TOO_MANY_REQUESTS = {"message": "Too Many Requests"}
FORBIDDEN = {"message": "Forbidden"}
INTERNAL_ERROR = {"message": "Internal Server Error"}

# ---------------------------------------------------------------------------------- the gateway


def _json_response(
    status: int, payload: Mapping[str, Any], content_type: str = "application/json"
) -> Response:
    return Response(json.dumps(payload), status=status, content_type=content_type)


def not_found_problem() -> Response:
    return _json_response(
        404,
        {
            "type": "about:blank",
            "title": "Tidak ditemukan",
            "status": 404,
            "detail": "Alamat yang diminta tidak ditemukan.",
            "code": "NOT_FOUND",
        },
        content_type="application/problem+json",
    )


class Gateway:
    """The WSGI application: route, authorize, build the event, invoke, translate."""

    def __init__(
        self,
        routes: Iterable[BoundRoute],
        authorizers: Mapping[str, JwtVerifier],
        cors: CorsSpec | None = None,
        api_id: str = "local",
        account_id: str = ACCOUNT_ID,
        throttle: Throttle | None = None,
    ) -> None:
        self.routes = list(routes)
        self.authorizers = dict(authorizers)
        self.cors = cors
        self.throttle = throttle or Throttle()
        self.api_id = api_id
        self.account_id = account_id
        # Powertools keeps the event being handled on a class (BaseRouter.current_event), shared
        # by every HTTP function imported in this process: two of them running at once would
        # read each other's event (a registration would see a BPJS callback's, without claims).
        # In AWS each function has its own execution environments; here the gateway invokes
        # one function at a time.
        self._one_at_a_time = threading.Lock()
        for bound in self.routes:
            if bound.route.authorizer is not None and bound.route.authorizer not in self.authorizers:
                raise ValueError(f"route {bound.route.route_key}: no authorizer {bound.route.authorizer}")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        started = time.monotonic()
        request_id = new_apigw_request_id()
        route_key = "-"
        try:
            response, route_key = self.handle(request, request_id)
        except Exception:  # a bug in the gateway itself: still answer like API Gateway
            log.exception("gateway error (request %s)", request_id)
            response = _json_response(500, INTERNAL_ERROR)
        response.headers["apigw-requestid"] = request_id
        cors.add_cors_headers(self.cors, request, response)
        access_log.info(
            json.dumps(
                {
                    "requestId": request_id,
                    "method": request.method,
                    "routeKey": route_key,
                    "status": response.status_code,
                    "latencyMs": round((time.monotonic() - started) * 1000),
                    # As the template's access log format (template.yaml HttpApi AccessLogSettings).
                    "ip": request.remote_addr or "-",
                    "userAgent": request.headers.get("User-Agent", "-")[:200],
                }
            )
        )
        return response(environ, start_response)

    def handle(self, request: Request, request_id: str) -> tuple[Response, str]:
        """The response to one request, and the route key it took (for the access log)."""
        raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        raw_path = raw_uri.split("?", 1)[0] or "/"
        if cors.is_preflight(self.cors, request, any(b.route.method == "OPTIONS" for b in self.routes)):
            assert self.cors is not None  # nosec B101 # - a local tool never run with -O; type narrowing
            return cors.preflight(self.cors, request), "OPTIONS (CORS preflight)"
        matched = match_route(self.routes, request.method, raw_path)
        if matched is None:
            return not_found_problem(), "-"
        bound, path_parameters = matched
        route = bound.route
        if not self.throttle.allow(route.route_key):  # before the authorizer and the function, as AWS
            return _json_response(429, TOO_MANY_REQUESTS), route.route_key
        claims: dict[str, Any] | None = None
        if route.authorizer is not None:
            try:
                claims = self.authorizers[route.authorizer].verify(
                    request.headers.get("Authorization"), route.scopes
                )
            except Unauthorized as exc:
                log.debug("401 on %s: %s", route.route_key, exc)
                return _json_response(401, UNAUTHORIZED), route.route_key
            except Forbidden as exc:
                log.debug("403 on %s: %s", route.route_key, exc)
                return _json_response(403, FORBIDDEN), route.route_key
        event = self._event(request, request_id, raw_path, bound, path_parameters, claims)
        return self._invoke(bound, event, request_id), route.route_key

    def _event(
        self,
        request: Request,
        request_id: str,
        raw_path: str,
        bound: BoundRoute,
        path_parameters: dict[str, str],
        claims: dict[str, Any] | None,
    ) -> dict[str, Any]:
        headers = list(request.headers.items())
        headers += [
            ("x-forwarded-for", request.remote_addr or "127.0.0.1"),
            ("x-forwarded-proto", request.scheme),
            ("x-forwarded-port", str(request.environ.get("SERVER_PORT", ""))),
            ("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"),
        ]
        return build_event(
            method=request.method,
            raw_path=raw_path,
            raw_query=request.query_string.decode("latin-1"),
            headers=headers,
            body=request.get_data(cache=False),
            route_key=bound.route.route_key,
            path_parameters=path_parameters,
            claims=claims,
            source_ip=request.remote_addr or "127.0.0.1",
            request_id=request_id,
            now=datetime.now(UTC),
            domain_name=request.host or "127.0.0.1",
            api_id=self.api_id,
            account_id=self.account_id,
            protocol=request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        )

    def _invoke(self, bound: BoundRoute, event: dict[str, Any], request_id: str) -> Response:
        try:
            with self._one_at_a_time:
                result = bound.function.invoke(event, new_lambda_request_id())
            status, response_headers, body = to_http_response(result)
        except Exception:
            # API Gateway answers 500 and the traceback goes to the function's log.
            log.error(
                "function %s failed on %s (request %s):\n%s",
                bound.function.name,
                bound.route.route_key,
                request_id,
                traceback.format_exc(),
            )
            return _json_response(500, INTERNAL_ERROR)
        response = Response(body, status=status)
        response.headers.clear()
        for name, value in response_headers:
            response.headers.add(name, value)
        return response
