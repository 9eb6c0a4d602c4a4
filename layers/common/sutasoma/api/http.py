"""Powertools' HTTP vocabulary, for the resolver and the handlers.

Imported from here, not from Powertools directly: this module first makes Powertools' event handler
and data classes packages lazy (sutasoma.runtime.lazy_packages), so an HTTP function's cold start
loads the one resolver and the two event classes it uses, not every one Powertools has (~35 ms).
Whatever imports those packages first decides whether they are lazy.
"""

from __future__ import annotations

from sutasoma.runtime.lazy_packages import install

install()

from aws_lambda_powertools.event_handler.api_gateway import (  # noqa: E402 - after the lazy packages
    APIGatewayHttpResolver,
    Response,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError  # noqa: E402
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query  # noqa: E402

__all__ = [
    "APIGatewayHttpResolver",
    "Body",
    "NotFoundError",
    "Path",
    "Query",
    "RequestValidationError",
    "Response",
]
