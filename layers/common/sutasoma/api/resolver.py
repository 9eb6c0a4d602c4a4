"""What every HTTP function shares: the resolver, problem+json errors, the caller.

One place maps exceptions to HTTP: domain errors keep their status and code, request
validation becomes 422 VALIDATION_ERROR with Bahasa Indonesia messages per field, anything
else is a 500 whose detail reveals nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.api.http import APIGatewayHttpResolver, NotFoundError, RequestValidationError, Response
from sutasoma.api.identity import caller_from_claims
from sutasoma.api.request_limits import request_refusal, with_plain_json_type, without_empty_query_values
from sutasoma.api.roles import route_refusal
from sutasoma.domain.errors import DomainError, FieldError
from sutasoma.domain.identity import Caller
from sutasoma.domain.validation import validation_errors
from sutasoma.runtime.faults import is_transient
from sutasoma.runtime.observability import logger, metrics, tracer

PROBLEM_JSON = "application/problem+json"
IDEMPOTENCY_HEADER = "idempotency-key"
PROBLEM_TYPE_BASE = "https://sutasoma.soppengkab.go.id/problems/"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Sequence[FieldError] = (),
    extra: dict[str, Any] | None = None,
) -> Response[str]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code.lower().replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    body.update(extra or {})
    return Response(status_code=status, content_type=PROBLEM_JSON, body=json.dumps(body, ensure_ascii=False))


# Raises 403/404 when the caller may not act on the resources a path names (app/scope.py).
ScopeCheck = Callable[[Caller, dict[str, str]], None]


def build_resolver(scope: Callable[[], ScopeCheck] | None = None) -> APIGatewayHttpResolver:
    """The resolver of an HTTP function; `scope` (built on first use) is asked before an invalid
    request is answered 422, so a caller who may not act on the resource hears 403 or 404."""
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response[str]:
        return problem(error.status, error.code, error.title, error.detail, error.errors, error.extra)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[str]:
        path = app.current_event.path_parameters or {}
        if scope is not None and path:
            try:
                scope()(current_caller(app), dict(path))
            except DomainError as refused:
                return problem(
                    refused.status, refused.code, refused.title, refused.detail, refused.errors, refused.extra
                )
        errors = validation_errors(error.errors())
        malformed = any(e.get("type") == "json_invalid" for e in error.errors())
        detail = "Isi permintaan bukan JSON yang sah." if malformed else "Periksa kembali data yang dikirim."
        return problem(422, "VALIDATION_ERROR", "Data tidak valid", detail, errors)

    @app.exception_handler(UnicodeDecodeError)
    def undecodable(error: UnicodeDecodeError) -> Response[str]:
        # A body of bytes that are not UTF-8 (API Gateway hands it over base64-encoded): the
        # client's fault, as malformed JSON is. Any other decoding failure is ours.
        if _body_is_text(app.current_event.raw_event):
            return error_response(error)
        return problem(
            422,
            "VALIDATION_ERROR",
            "Data tidak valid",
            "Isi permintaan bukan JSON yang sah.",
            [FieldError("body", "Isi permintaan harus teks UTF-8 berisi JSON.")],
        )

    @app.not_found
    def not_found(_: NotFoundError) -> Response[str]:
        return problem(404, "NOT_FOUND", "Tidak ditemukan", "Alamat yang diminta tidak ada.")

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response[str]:
        return error_response(error)

    return app


def error_response(error: Exception) -> Response[str]:
    """503 SERVICE_BUSY when AWS is busy or unreachable, else a 500 that reveals nothing."""
    if is_transient(error):
        # AWS throttled or unreachable even after retries: nothing was written (every write
        # is one transaction), so the app may safely send the same request again.
        logger.warning("aws busy", extra={"error": type(error).__name__})
        busy = problem(
            503,
            "SERVICE_BUSY",
            "Layanan sibuk",
            "Sistem sedang sibuk; kirim ulang permintaan yang sama sebentar lagi.",
        )
        busy.headers["Retry-After"] = "2"
        return busy
    # The type only: messages of some library errors echo the input, which may be personal data.
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}" if frame else "?"
    logger.error("unhandled error", extra={"error": type(error).__name__, "where": where})
    return problem(
        500, "INTERNAL_ERROR", "Kesalahan sistem", "Terjadi kesalahan pada sistem; silakan coba lagi."
    )


def _proxy_response(response: Response[str]) -> dict[str, Any]:
    """A problem answered without the router, in the payload 2.0 response shape."""
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": response.content_type or PROBLEM_JSON},
        "body": response.body,
        "isBase64Encoded": False,
    }


def _body_is_text(event: dict[str, Any]) -> bool:
    body = event.get("body")
    if not body or not event.get("isBase64Encoded"):
        return True
    try:
        base64.b64decode(body).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return True


def current_caller(app: APIGatewayHttpResolver) -> Caller:
    context = app.current_event.request_context
    claims = context.authorizer.jwt_claim if context.authorizer else None
    return caller_from_claims(claims, request_id=context.request_id)


def header(app: APIGatewayHttpResolver, name: str) -> str | None:
    headers = app.current_event.headers or {}
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def lambda_entry(
    app: APIGatewayHttpResolver,
    on_invoke: Callable[[LambdaContext], None] | None = None,
    *,
    check_bodies: bool = True,
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda handler of an HTTP function: logging context, metrics, then the router.
    `check_bodies=False`: the route refuses bodies itself, after its own authentication (the
    BPJS callback's signature)."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)  # responses may hold personal data
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        # A caller outside the route's roles (403) first, then a body refused before parsing (415/422).
        refused = route_refusal(event) or (request_refusal(event) if check_bodies else None)
        if refused is not None:
            logger.info("request refused", extra={"code": refused.code, "status": refused.status})
            return _proxy_response(
                problem(
                    refused.status, refused.code, refused.title, refused.detail, refused.errors, refused.extra
                )
            )
        if on_invoke is not None:
            on_invoke(context)
        return app.resolve(with_plain_json_type(without_empty_query_values(event)), context)

    entry: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] = lambda_handler
    return entry
