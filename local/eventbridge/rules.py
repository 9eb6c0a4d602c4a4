"""The template's EventBridge rules that invoke functions, and how those functions are invoked.

A `Type: EventBridgeRule` event of an AWS::Serverless::Function becomes, in AWS, an
AWS::Events::Rule on the default bus whose target is the function (asynchronous invocation).
Its `Pattern` is matched with the subset of EventBridge's pattern language the stream filters
implement (local/pollers/stream_filters.py: exact values and `prefix`); anything else stops the
stack rather than being matched differently from AWS. `Input`, `InputPath` and
`InputTransformer` would change the event the function receives: not supported locally (an
error). `RetryPolicy` and `DeadLetterConfig` are about EventBridge failing to reach Lambda,
which does not happen in one process: recorded, not applied.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from local.pollers.stream_filters import check_pattern, pattern_matches
from local.template.cfn_yaml import TemplateError
from local.template.specs import FunctionSpec

log = logging.getLogger("local.eventbridge")

# Lambda's defaults for asynchronous invocations (EventInvokeConfig).
DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2
DEFAULT_MAXIMUM_EVENT_AGE_S = 21_600


@dataclass(frozen=True)
class EventRule:
    """One `EventBridgeRule` event of a function: a rule on the default bus targeting it."""

    function_id: str
    event_name: str
    pattern: dict[str, Any]
    enabled: bool = True

    @property
    def name(self) -> str:
        return f"{self.function_id}.{self.event_name}"

    def matches(self, event: Mapping[str, Any]) -> bool:
        return self.enabled and pattern_matches(self.pattern, event)

    @classmethod
    def from_event(cls, function_id: str, event_name: str, props: Mapping[str, Any]) -> EventRule:
        where = f"{function_id}.{event_name}"
        pattern = props.get("Pattern")
        if isinstance(pattern, str):  # CloudFormation also takes the pattern as a JSON string
            try:
                pattern = json.loads(pattern)
            except ValueError as error:
                raise TemplateError(f"{where}.Pattern is not JSON ({error})") from None
        check_pattern(pattern, f"{where}.Pattern")
        if not isinstance(pattern, dict):  # check_pattern refuses anything else: for the type checker
            raise TemplateError(f"{where}.Pattern must be an object")
        bus = props.get("EventBusName", "default")
        if bus not in ("default", None):
            raise TemplateError(f"{where}: only the default event bus is emulated locally, not {bus!r}")
        for key in ("Input", "InputPath", "InputTransformer"):
            if key in props:
                raise TemplateError(f"{where}: {key} is not supported locally (the function gets the event)")
        for key in ("RetryPolicy", "DeadLetterConfig"):
            if key in props:
                log.info(
                    "%s: %s is not applied locally (EventBridge always reaches the function)", where, key
                )
        return cls(
            function_id=function_id,
            event_name=event_name,
            pattern=dict(pattern),
            enabled=str(props.get("State", "ENABLED")).upper() != "DISABLED",
        )


def event_rules(specs: Iterable[FunctionSpec]) -> list[EventRule]:
    return [
        EventRule.from_event(spec.logical_id, name, props)
        for spec in specs
        for name, props in spec.events_of_type("EventBridgeRule").items()
    ]


@dataclass(frozen=True)
class AsyncInvokeConfig:
    """A function's EventInvokeConfig: how Lambda retries an asynchronous invocation that failed,
    and where it sends the event it gave up on."""

    maximum_retry_attempts: int = DEFAULT_MAXIMUM_RETRY_ATTEMPTS
    maximum_event_age_s: int = DEFAULT_MAXIMUM_EVENT_AGE_S
    on_failure_arn: str | None = None

    @classmethod
    def of(cls, spec: FunctionSpec) -> AsyncInvokeConfig:
        config = spec.event_invoke_config
        destinations = config.get("DestinationConfig") or {}
        on_failure = (destinations.get("OnFailure") or {}).get("Destination")
        if on_failure is not None and ":sqs:" not in str(on_failure):
            log.warning("%s: only an SQS OnFailure destination is used locally", spec.logical_id)
            on_failure = None
        if destinations.get("OnSuccess"):
            log.warning("%s: EventInvokeConfig OnSuccess is not applied locally", spec.logical_id)
        return cls(
            maximum_retry_attempts=int(config.get("MaximumRetryAttempts", DEFAULT_MAXIMUM_RETRY_ATTEMPTS)),
            maximum_event_age_s=int(config.get("MaximumEventAgeInSeconds", DEFAULT_MAXIMUM_EVENT_AGE_S)),
            on_failure_arn=str(on_failure) if on_failure else None,
        )
