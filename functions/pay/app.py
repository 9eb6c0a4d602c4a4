"""Contributions: /farmers/{id}/payments/quote, /farmers/{id}/payments (POST, GET).

Thin: parse the request, call the payment desk, shape the response.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.api import presenters
from sutasoma.api.http import Body, Path, Query, Response
from sutasoma.api.listing import MAX_PAGE_SIZE, decode_cursor, encode_cursor, refund_position, resolve_scope
from sutasoma.api.models.payments import Payment, PaymentCreate, PaymentPage, Quote
from sutasoma.api.models.refunds import Refund, RefundPage, RefundStatus, SettleRefund
from sutasoma.api.resolver import IDEMPOTENCY_HEADER, build_resolver, current_caller, header, lambda_entry
from sutasoma.app.payments import MAX_MONTHS_PER_PAYMENT, PaymentRequest
from sutasoma.app.refunds import Settlement
from sutasoma.runtime import wiring
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.http import PaySettings

SETTINGS = SettingsSource(PaySettings)  # validated now: a missing variable fails the cold start
app = build_resolver(scope=lambda: wiring.resource_scope(SETTINGS.get()))

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


@app.get("/refunds", tags=["Refunds"])
def list_refunds(
    kecamatan_code: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[RefundStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> RefundPage:
    scope = resolve_scope(current_caller(app), kecamatan_code)
    position = decode_cursor(cursor, scope, refund_position) if cursor else None
    page = wiring.refund_desk(SETTINGS.get()).search(
        scope, status, limit, (position[0], position[1]) if position else None
    )
    last = page.items[-1] if page.more and page.items else None
    return RefundPage(
        items=[presenters.refund_out(refund) for refund in page.items],
        next_cursor=encode_cursor((last.kecamatan_code, last.refund_id)) if last else None,
    )


@app.post("/refunds/<refund_id>/settle", tags=["Refunds"])
def settle_refund(
    refund_id: Annotated[str, Path(description="ULID of the refund case")],
    body: Annotated[SettleRefund, Body()],
) -> Refund:
    settlement = Settlement.model_validate(body.model_dump())
    desk = wiring.refund_desk(SETTINGS.get())
    refund = desk.settle(current_caller(app), refund_id, settlement, header(app, IDEMPOTENCY_HEADER))
    return presenters.refund_out(refund)


def _on_invoke(context: LambdaContext) -> None:
    wiring.idempotency(SETTINGS.get()).register_lambda_context(context)


lambda_handler: Any = lambda_entry(app, on_invoke=_on_invoke)
