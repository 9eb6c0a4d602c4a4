"""Contributions: /farmers/{id}/payments/quote, /farmers/{id}/payments (POST, GET).

Thin: parse the request, call PaymentService, shape the response.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.adapters.idempotency import IDEMPOTENCY_HEADER
from sutasoma.api.models import Payment, PaymentCreate, PaymentPage, Quote
from sutasoma.api.resolver import build_resolver, current_caller, header, lambda_entry
from sutasoma.app.payments import MAX_PAGE_SIZE
from sutasoma.domain.coverage import MAX_MONTHS_PER_PAYMENT
from sutasoma.runtime import wiring

app = build_resolver()

FarmerId = Annotated[str, Path(description="ULID of the farmer")]


@app.get("/farmers/<farmer_id>/payments/quote", tags=["Payments"])
def quote(farmer_id: FarmerId, months: Annotated[int, Query(ge=1, le=MAX_MONTHS_PER_PAYMENT)] = 1) -> Quote:
    return wiring.payment_service().quote(current_caller(app), farmer_id, months)


@app.post(
    "/farmers/<farmer_id>/payments",
    tags=["Payments"],
    responses={201: {"description": "Recorded (or the same request replayed)"}},
)
def pay(farmer_id: FarmerId, body: Annotated[PaymentCreate, Body()]) -> Response[Payment]:
    payment = wiring.payment_service().pay(
        current_caller(app), farmer_id, body, header(app, IDEMPOTENCY_HEADER)
    )
    return Response(status_code=201, content_type="application/json", body=payment)


@app.get("/farmers/<farmer_id>/payments", tags=["Payments"])
def payments(
    farmer_id: FarmerId,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> PaymentPage:
    return wiring.payment_service().history(current_caller(app), farmer_id, limit, cursor)


def _on_invoke(context: LambdaContext) -> None:
    wiring.idempotency_runner().register_lambda_context(context)


lambda_handler: Any = lambda_entry(app, on_invoke=_on_invoke)
