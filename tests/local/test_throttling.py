"""Throttling of the HTTP API (issue 14): the template's DefaultRouteSettings and RouteSettings,
stricter on POST /bpjs/callbacks, and the local gateway refusing a callback storm with 429 before
the function runs (as API Gateway does), route by route."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from werkzeug.test import Client

from local.gateway.app import Gateway
from local.gateway.throttle import Throttle, ThrottleSpec, TokenBucket
from local.template.cfn_yaml import load_yaml
from local.template.specs import Physical
from local.template.template import Template
from tests.local.test_gateway import RecordingFunction, bound

REPO_ROOT = Path(__file__).resolve().parents[2]
CALLBACKS = "POST /bpjs/callbacks"


def template_api() -> dict[str, Any]:
    api: dict[str, Any] = load_yaml(REPO_ROOT / "template.yaml")["Resources"]["HttpApi"]["Properties"]
    return api


def test_the_stage_is_throttled_and_the_callbacks_more_strictly() -> None:
    api = template_api()
    default = api["DefaultRouteSettings"]
    callbacks = api["RouteSettings"][CALLBACKS]
    assert (default["ThrottlingBurstLimit"], default["ThrottlingRateLimit"]) == (200, 100)
    assert (callbacks["ThrottlingBurstLimit"], callbacks["ThrottlingRateLimit"]) == (20, 10)
    assert callbacks["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"]
    assert callbacks["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]


def test_the_local_gateway_reads_them_from_the_template() -> None:
    template = Template(REPO_ROOT / "template.yaml")
    refs = {lid: Physical(ref=lid, attrs={"Arn": f"arn:aws:x:::{lid}"}) for lid in template.resources()}
    api = template.http_api(refs)
    assert api is not None
    throttle = Throttle.from_settings(api.default_route_settings, api.route_settings)
    assert throttle.settings(CALLBACKS) == ThrottleSpec(20, 10.0)
    assert throttle.settings("GET /farmers") == ThrottleSpec(200, 100.0)


def test_a_route_setting_inherits_what_it_does_not_say() -> None:
    throttle = Throttle.from_settings(
        {"ThrottlingBurstLimit": 50, "ThrottlingRateLimit": 25}, {CALLBACKS: {"ThrottlingBurstLimit": 5}}
    )
    assert throttle.settings(CALLBACKS) == ThrottleSpec(5, 25.0)
    assert Throttle().settings(CALLBACKS) is None and Throttle().allow(CALLBACKS)  # no settings: no limit


def test_a_bucket_holds_its_burst_and_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(burst=3, rate=2, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5  # one token back
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] = 100.0  # never more than the burst
    assert sum(bucket.take() for _ in range(10)) == 3


def test_a_callback_storm_is_refused_without_reaching_the_function() -> None:
    now = [0.0]
    callback, farmers = RecordingFunction("callback"), RecordingFunction("register")
    throttle = Throttle(ThrottleSpec(200, 100), {CALLBACKS: ThrottleSpec(20, 10)}, clock=lambda: now[0])
    gateway = Gateway([bound("POST", "/bpjs/callbacks", callback), bound("GET", "/health", farmers)], {},
                      throttle=throttle)  # fmt: skip
    client = Client(gateway)

    def post(_: int) -> Any:
        return client.post("/bpjs/callbacks", json={"event_id": "storm"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, range(500)))
    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == 20 and statuses.count(429) == 480
    assert len(callback.events) == 20  # the function saw the burst only
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.get_json() == {"message": "Too Many Requests"}
    assert refused.headers["apigw-requestid"]
    # Other routes have their own bucket: the storm does not touch them.
    assert client.get("/health").status_code == 200 and len(farmers.events) == 1
    # A second later the callbacks' bucket has refilled by its rate.
    now[0] = 1.0
    assert [post(0).status_code for _ in range(11)] == [200] * 10 + [429]
    assert throttle.refused[CALLBACKS] == 481


def test_throttling_comes_before_the_authorizer() -> None:
    now = [0.0]
    secured = RecordingFunction("secured")
    throttle = Throttle(ThrottleSpec(1, 0.0), clock=lambda: now[0])
    gateway = Gateway(
        [bound("GET", "/farmers", secured, auth="jwt")], {"jwt": _RefuseAll()}, throttle=throttle
    )
    client = Client(gateway)
    assert client.get("/farmers").status_code == 401  # the one token: the authorizer refuses
    assert client.get("/farmers").status_code == 429  # then throttled before any token check
    assert not secured.events


class _RefuseAll:
    def verify(self, authorization: str | None, scopes: Any) -> dict[str, Any]:
        from local.gateway.auth import Unauthorized

        raise Unauthorized("no")
