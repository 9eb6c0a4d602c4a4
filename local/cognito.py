"""The user pool's Lambda triggers, locally: each function's `Type: Cognito` event.

SAM writes such an event into the pool's `LambdaConfig`; moto's Cognito keeps a LambdaConfig
but never calls it. Here the `PreTokenGeneration` trigger is registered with the moto patch
`cognito_pre_token_generation` (local/aws/moto_patches.py): every token moto signs for the pool
first goes through the function, in-process, with Cognito's V1 event, and its answer changes
the token's claims and groups as Cognito's would. Other triggers (pre sign-up, custom message...)
are named in a warning: none runs locally.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from local.aws.moto_patches import set_pre_token_hook
from local.functions import LocalFunction, new_lambda_request_id

log = logging.getLogger("local.stack")

SUPPORTED_TRIGGERS = ("PreTokenGeneration",)


def cognito_triggers(functions: Sequence[LocalFunction]) -> list[tuple[str, str, LocalFunction]]:
    """(user pool id, trigger, function) of every `Cognito` event of the loaded functions."""
    found = []
    for function in functions:
        for event_name, props in function.spec.events_of_type("Cognito").items():
            triggers = props.get("Trigger")
            for trigger in triggers if isinstance(triggers, list) else [triggers]:
                if trigger not in SUPPORTED_TRIGGERS:
                    log.warning("%s.%s: Cognito trigger %s is not run locally", function.spec.logical_id,
                                event_name, trigger)  # fmt: skip
                    continue
                found.append((str(props["UserPool"]), str(trigger), function))
    return found


def start_cognito_triggers(functions: Sequence[LocalFunction]) -> list[dict[str, Any]]:
    """Register the triggers; what stack.json lists of them."""
    described = []
    for pool_id, trigger, function in cognito_triggers(functions):
        if function.load_error is not None:
            log.error(
                "%s could not be imported: pool %s has no %s", function.spec.logical_id, pool_id, trigger
            )
            continue

        def hook(event: dict[str, Any], fn: LocalFunction = function) -> dict[str, Any]:
            answer: dict[str, Any] = fn.invoke(event, new_lambda_request_id())
            return answer

        set_pre_token_hook(pool_id, hook)
        described.append({"function": function.spec.logical_id, "trigger": trigger})
    return described


def stop_cognito_triggers(functions: Sequence[LocalFunction]) -> None:
    for pool_id, _, _ in cognito_triggers(functions):
        set_pre_token_hook(pool_id, None)
