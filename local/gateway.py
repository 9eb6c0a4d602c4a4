"""A local API Gateway HTTP API: the HttpApi routes of template.yaml on 127.0.0.1.

For each request: match a route (most specific first), run the JWT authorizer if the route has
one, build a payload-format-2.0 event, call the function's `lambda_handler` in this process with
a Lambda-like context, and turn its response into HTTP, as API Gateway + Lambda would.

Personal data (NIK, phone numbers) travels in bodies and sometimes in query strings, so the
access log has method, route key, status and latency only: never a body, a query string or an
Authorization header.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from local.auth import Forbidden, JwtVerifier, Unauthorized, stringify_claims
from local.functions import Invocable, new_lambda_request_id, scan_safe
from local.template.specs import ACCOUNT_ID, CorsSpec, Route

log = logging.getLogger("local.gateway")
access_log = logging.getLogger("local.gateway.access")

UNAUTHORIZED = {"message": "Unauthorized"}
FORBIDDEN = {"message": "Forbidden"}
INTERNAL_ERROR = {"message": "Internal Server Error"}


# ---------------------------------------------------------------------------------- request ids


def new_apigw_request_id() -> str:
    """API Gateway HTTP API's request id looks like `JYzWJgbZoAMEb7w=`."""
    return scan_safe(lambda: base64.b64encode(secrets.token_bytes(11)).decode("ascii"))


# ---------------------------------------------------------------------------------- route matching


@dataclass(frozen=True)
class PathPattern:
    """`/farmers/{farmer_id}` split into segments; `{proxy+}` is greedy and must come last."""

    path: str
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, path: str) -> PathPattern:
        segments = tuple(path.strip("/").split("/")) if path.strip("/") else ()
        for i, seg in enumerate(segments):
            if seg.endswith("+}") and i != len(segments) - 1:
                raise ValueError(f"greedy variable must be the last segment: {path}")
        return cls(path, segments)

    def match(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for i, pattern in enumerate(self.segments):
            if pattern.startswith("{") and pattern.endswith("+}"):
                rest = segments[i:]
                if not rest or rest == ("",):
                    return None
                params[pattern[1:-2]] = "/".join(rest)
                return params
            if i >= len(segments):
                return None
            if pattern.startswith("{") and pattern.endswith("}"):
                if segments[i] == "":
                    return None
                params[pattern[1:-1]] = segments[i]
            elif pattern != segments[i]:
                return None
        return params if len(segments) == len(self.segments) else None

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Smaller is more specific: greedy variables, then variables, then fewer literals."""
        greedy = sum(1 for s in self.segments if s.endswith("+}"))
        variables = sum(1 for s in self.segments if s.startswith("{")) - greedy
        return (greedy, variables, -len(self.segments))


@dataclass
class BoundRoute:
    route: Route
    function: Invocable
    pattern: PathPattern = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = PathPattern.parse(self.route.path if self.route.path != "$default" else "/")


def split_path(raw_path: str) -> tuple[str, ...]:
    """Segments of a raw (still percent-encoded) path, each decoded: %2F stays inside its segment."""
    stripped = raw_path.strip("/")
    return tuple(unquote(s) for s in stripped.split("/")) if stripped else ()


def match_route(
    routes: Iterable[BoundRoute], method: str, raw_path: str
) -> tuple[BoundRoute, dict[str, str]] | None:
    """API Gateway's choice: the most specific path, an exact method before ANY, $default last."""
    segments = split_path(raw_path)
    candidates: list[tuple[tuple[int, int, int, int], BoundRoute, dict[str, str]]] = []
    default: BoundRoute | None = None
    for bound in routes:
        if bound.route.path == "$default":
            default = bound
            continue
        if bound.route.method not in (method, "ANY"):
            continue
        params = bound.pattern.match(segments)
        if params is not None:
            rank = (*bound.pattern.specificity, 1 if bound.route.method == "ANY" else 0)
            candidates.append((rank, bound, params))
    if candidates:
        _, bound, params = min(candidates, key=lambda c: c[0])
        return bound, params
    if default is not None:
        return default, {}
    return None


# ---------------------------------------------------------------------------------- events


# Request bodies of these types reach the function as text; anything else is base64-encoded.
def is_text_content_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return (
        mime.startswith("text/")
        or mime in ("application/json", "application/xml", "application/javascript")
        or mime.endswith(("+json", "+xml"))
    )


def request_time(now: datetime) -> str:
    """API Gateway's requestContext.time, e.g. 12/Mar/2020:19:03:58 +0000 (English month names)."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{now.day:02d}/{months[now.month - 1]}/{now.year}:{now:%H:%M:%S} +0000"


def build_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    route_key: str,
    path_parameters: Mapping[str, str],
    claims: Mapping[str, Any] | None,
    source_ip: str,
    request_id: str,
    now: datetime,
    domain_name: str,
    api_id: str = "local",
    account_id: str = ACCOUNT_ID,
    protocol: str = "HTTP/1.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload format 2.0 event.

    Header names are lower-cased and repeated headers comma-joined; repeated query parameters
    are comma-joined; cookies move from the Cookie header to `cookies`; every JWT claim value
    is a string (an array claim such as cognito:groups becomes "[agent coordinator]").
    """
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value

    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if query:
        event["queryStringParameters"] = query
    request_context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain_name,
        "domainPrefix": domain_name.split(".", 1)[0],
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": request_time(now),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims is not None:
        scope = claims.get("scope")
        request_context["authorizer"] = {
            "jwt": {
                "claims": stringify_claims(claims),
                "scopes": str(scope).split() if scope else None,
            }
        }
    event["requestContext"] = request_context
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if body:
        text: str | None = None
        if is_text_content_type(merged.get("content-type")):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is not None:
            event["body"], event["isBase64Encoded"] = text, False
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode("ascii"), True
    else:
        event["isBase64Encoded"] = False
    return event


class BadFunctionResponse(Exception):
    """The function returned something API Gateway cannot turn into HTTP (a 500)."""


def to_http_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Payload format 2.0 response -> (status, headers, body), with API Gateway's inference:
    a result without statusCode is a 200 application/json whose body is the result."""
    if not (isinstance(result, dict) and "statusCode" in result):
        if isinstance(result, str):
            body = result
        else:
            try:
                body = json.dumps(result)
            except (TypeError, ValueError) as exc:
                raise BadFunctionResponse(f"response is not JSON: {exc}") from exc
        return 200, [("content-type", "application/json")], body.encode()

    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError) as exc:
        raise BadFunctionResponse(f"statusCode {result['statusCode']!r}") from exc
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    for cookie in result.get("cookies") or []:
        headers.append(("set-cookie", str(cookie)))
    raw_body = result.get("body")
    if raw_body is None:
        body_bytes = b""
    elif not isinstance(raw_body, str):
        raise BadFunctionResponse(f"body is a {type(raw_body).__name__}, not a string")
    elif result.get("isBase64Encoded"):
        try:
            body_bytes = base64.b64decode(raw_body, validate=True)
        except binascii.Error as exc:
            raise BadFunctionResponse("isBase64Encoded but body is not base64") from exc
    else:
        body_bytes = raw_body.encode()
    if not any(name.lower() == "content-type" for name, _ in headers) and body_bytes:
        headers.append(("content-type", "application/json"))
    return status, headers, body_bytes


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
            "title": "Not Found",
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
    ) -> None:
        self.routes = list(routes)
        self.authorizers = dict(authorizers)
        self.cors = cors
        self.api_id = api_id
        self.account_id = account_id
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
        self._add_cors(request, response)
        access_log.info(
            json.dumps(
                {
                    "requestId": request_id,
                    "method": request.method,
                    "routeKey": route_key,
                    "status": response.status_code,
                    "latencyMs": round((time.monotonic() - started) * 1000),
                }
            )
        )
        return response(environ, start_response)

    def handle(self, request: Request, request_id: str) -> tuple[Response, str]:
        raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        raw_path = raw_uri.split("?", 1)[0] or "/"
        raw_query = request.query_string.decode("latin-1")

        if self._is_preflight(request):
            return self._preflight(request), "OPTIONS (CORS preflight)"

        matched = match_route(self.routes, request.method, raw_path)
        if matched is None:
            return not_found_problem(), "-"
        bound, path_parameters = matched
        route = bound.route

        claims: dict[str, Any] | None = None
        if route.authorizer is not None:
            verifier = self.authorizers[route.authorizer]
            try:
                claims = verifier.verify(request.headers.get("Authorization"), route.scopes)
            except Unauthorized as exc:
                log.debug("401 on %s: %s", route.route_key, exc)
                return _json_response(401, UNAUTHORIZED), route.route_key
            except Forbidden as exc:
                log.debug("403 on %s: %s", route.route_key, exc)
                return _json_response(403, FORBIDDEN), route.route_key

        host = request.host or "127.0.0.1"
        headers = list(request.headers.items())
        headers += [
            ("x-forwarded-for", request.remote_addr or "127.0.0.1"),
            ("x-forwarded-proto", request.scheme),
            ("x-forwarded-port", str(request.environ.get("SERVER_PORT", ""))),
            ("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"),
        ]
        event = build_event(
            method=request.method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=headers,
            body=request.get_data(cache=False),
            route_key=route.route_key,
            path_parameters=path_parameters,
            claims=claims,
            source_ip=request.remote_addr or "127.0.0.1",
            request_id=request_id,
            now=datetime.now(UTC),
            domain_name=host,
            api_id=self.api_id,
            account_id=self.account_id,
            protocol=request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        )
        try:
            result = bound.function.invoke(event, new_lambda_request_id())
            status, response_headers, body = to_http_response(result)
        except Exception:
            # API Gateway answers 500 and the traceback goes to the function's log.
            log.error(
                "function %s failed on %s (request %s):\n%s",
                bound.function.name,
                route.route_key,
                request_id,
                traceback.format_exc(),
            )
            return _json_response(500, INTERNAL_ERROR), route.route_key
        response = Response(body, status=status)
        response.headers.clear()
        for name, value in response_headers:
            response.headers.add(name, value)
        return response, route.route_key

    # ------------------------------------------------------------------ CORS

    def _origin_allowed(self, origin: str) -> str | None:
        if self.cors is None:
            return None
        if "*" in self.cors.allow_origins:
            return "*"
        return origin if origin in self.cors.allow_origins else None

    def _is_preflight(self, request: Request) -> bool:
        # With a CorsConfiguration, API Gateway answers preflights itself (no authorizer, no function)
        # unless the API has an explicit OPTIONS route.
        return (
            self.cors is not None
            and request.method == "OPTIONS"
            and "Origin" in request.headers
            and "Access-Control-Request-Method" in request.headers
            and not any(b.route.method == "OPTIONS" for b in self.routes)
        )

    def _preflight(self, request: Request) -> Response:
        assert self.cors is not None
        response = Response(status=204)
        del response.headers["Content-Type"]
        allowed = self._origin_allowed(request.headers["Origin"])
        if allowed is None:
            return response
        response.headers["access-control-allow-origin"] = allowed
        methods = self.cors.allow_methods
        response.headers["access-control-allow-methods"] = (
            request.headers["Access-Control-Request-Method"] if "*" in methods else ",".join(methods)
        )
        requested = request.headers.get("Access-Control-Request-Headers")
        if self.cors.allow_headers:
            response.headers["access-control-allow-headers"] = (
                (requested or "*") if "*" in self.cors.allow_headers else ",".join(self.cors.allow_headers)
            )
        if self.cors.max_age is not None:
            response.headers["access-control-max-age"] = str(self.cors.max_age)
        if self.cors.allow_credentials:
            response.headers["access-control-allow-credentials"] = "true"
        return response

    def _add_cors(self, request: Request, response: Response) -> None:
        origin = request.headers.get("Origin")
        if not origin or ("access-control-allow-origin" in response.headers and response.status_code == 204):
            return
        allowed = self._origin_allowed(origin)
        if allowed is None or self.cors is None:
            return
        response.headers["access-control-allow-origin"] = allowed
        if self.cors.expose_headers:
            response.headers["access-control-expose-headers"] = ",".join(self.cors.expose_headers)
        if self.cors.allow_credentials:
            response.headers["access-control-allow-credentials"] = "true"


# ---------------------------------------------------------------------------------- the server


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's request line includes the query string, which may carry personal data:
    the gateway writes its own access log instead."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@dataclass
class GatewayServer:
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


def serve(app: Gateway, port: int, host: str = "127.0.0.1") -> GatewayServer:
    """Serve the gateway on a background thread (threaded: one thread per request)."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="local-gateway", daemon=True)
    thread.start()
    return GatewayServer(server, thread)
