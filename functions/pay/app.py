"""Contributions: /farmers/{id}/payments/quote, /farmers/{id}/payments (POST, GET).

Thin: parse the request, call the payment desk, shape the response.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.api import presenters
from sutasoma.api.listing import MAX_PAGE_SIZE
from sutasoma.api.models.payments import Payment, PaymentCreate, PaymentPage, Quote
from sutasoma.api.resolver import IDEMPOTENCY_HEADER, build_resolver, current_caller, header, lambda_entry
from sutasoma.app.payments import MAX_MONTHS_PER_PAYMENT, PaymentRequest
from sutasoma.runtime import wiring
from sutasoma.runtime.settings import PaySettings, SettingsSource

SETTINGS = SettingsSource(PaySettings)  # validated now: a missing variable fails the cold start
app = build_resolver()

FarmerId = Annotated[str, Path(description="ULID of the farmer")]


@app.get("/farmers/<farmer_id>/payments/quote", tags=["Payments"])
def quote(farmer_id: FarmerId, months: Annotated[int, Query(ge=1, le=MAX_MONTHS_PER_PAYMENT)] = 1) -> Quote:
    return presenters.quote_out(
        wiring.payment_desk(SETTINGS.get()).quote(current_caller(app), farmer_id, months)
    )


@app.post(
    "/farmers/<farmer_id>/payments",
    tags=["Payments"],
    responses={201: {"description": "Recorded (or the same request replayed)"}},
)
def pay(farmer_id: FarmerId, body: Annotated[PaymentCreate, Body()]) -> Response[Payment]:
    request = PaymentRequest.model_validate(body.model_dump())
    result = wiring.payment_desk(SETTINGS.get()).pay(
        current_caller(app), farmer_id, request, header(app, IDEMPOTENCY_HEADER)
    )
    payment = presenters.payment_out(result.payment, result.coverage)
    return Response(status_code=201, content_type="application/json", body=payment)


@app.get("/farmers/<farmer_id>/payments", tags=["Payments"])
def payments(
    farmer_id: FarmerId,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> PaymentPage:
    page = wiring.payment_desk(SETTINGS.get()).history(current_caller(app), farmer_id, limit, cursor)
    items = [presenters.payment_out(payment) for payment in page.items]
    return PaymentPage(items=items, next_cursor=items[-1].payment_id if page.more and items else None)


def _on_invoke(context: LambdaContext) -> None:
    wiring.idempotency(SETTINGS.get()).register_lambda_context(context)


lambda_handler: Any = lambda_entry(app, on_invoke=_on_invoke)
