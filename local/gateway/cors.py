"""CORS as API Gateway applies an HttpApi's CorsConfiguration: preflights answered by the gateway
itself (no authorizer, no function), and the allow-origin headers on every response."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local.template.specs import CorsSpec


def origin_allowed(cors: CorsSpec | None, origin: str) -> str | None:
    if cors is None:
        return None
    if "*" in cors.allow_origins:
        return "*"
    return origin if origin in cors.allow_origins else None


def is_preflight(cors: CorsSpec | None, request: Request, has_options_route: bool) -> bool:
    # With a CorsConfiguration, API Gateway answers preflights itself (no authorizer, no function)
    # unless the API has an explicit OPTIONS route.
    return (
        cors is not None
        and request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
        and not has_options_route
    )


def preflight(cors: CorsSpec, request: Request) -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    allowed = origin_allowed(cors, request.headers["Origin"])
    if allowed is None:
        return response
    response.headers["access-control-allow-origin"] = allowed
    methods = cors.allow_methods
    response.headers["access-control-allow-methods"] = (
        request.headers["Access-Control-Request-Method"] if "*" in methods else ",".join(methods)
    )
    requested = request.headers.get("Access-Control-Request-Headers")
    if cors.allow_headers:
        response.headers["access-control-allow-headers"] = (
            (requested or "*") if "*" in cors.allow_headers else ",".join(cors.allow_headers)
        )
    if cors.max_age is not None:
        response.headers["access-control-max-age"] = str(cors.max_age)
    if cors.allow_credentials:
        response.headers["access-control-allow-credentials"] = "true"
    return response


def add_cors_headers(cors: CorsSpec | None, request: Request, response: Response) -> None:
    origin = request.headers.get("Origin")
    if not origin or ("access-control-allow-origin" in response.headers and response.status_code == 204):
        return
    allowed = origin_allowed(cors, origin)
    if allowed is None or cors is None:
        return
    response.headers["access-control-allow-origin"] = allowed
    if cors.expose_headers:
        response.headers["access-control-expose-headers"] = ",".join(cors.expose_headers)
    if cors.allow_credentials:
        response.headers["access-control-allow-credentials"] = "true"
