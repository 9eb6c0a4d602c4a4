"""bench/aws_calls.py measures every HttpApi route of template.yaml: checked from the scenarios'
routes alone, without running the benchmark (nothing is invoked, no moto)."""

from __future__ import annotations

from pathlib import Path

from bench.aws_calls import Scenario, Workload, scenario_mistakes, template_routes, unmeasured_routes


def test_template_routes_are_read() -> None:
    routes = template_routes()
    assert routes["GET /health"] == "RegisterFunction"
    assert routes["POST /farmers/{farmer_id}/payments"] == "PayFunction"
    assert routes["POST /bpjs/callbacks"] == "BpjsCallbackFunction"
    assert len(routes) >= 20


def test_every_route_of_the_template_has_a_scenario() -> None:
    scenarios = Workload().scenarios()  # built, not run: no stack, no handler
    assert unmeasured_routes(scenarios) == []
    assert unmeasured_routes() == []  # the same, the default way


def test_scenarios_name_template_routes_and_their_functions() -> None:
    assert scenario_mistakes() == []


def test_a_route_without_a_scenario_is_reported(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        """\
Resources:
  RegisterFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Health: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: /health, Method: GET}}
        Probe: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: "/probe/{probe_id}", Method: delete}}
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
""",
        encoding="utf-8",
    )
    health = Scenario("GET /health", 200, dict)
    assert unmeasured_routes([health], template) == ["DELETE /probe/{probe_id}"]
    assert unmeasured_routes([health, Scenario("DELETE /probe/{probe_id}", 204, dict)], template) == []
    elsewhere = Scenario("DELETE /probe/{probe_id}", 204, dict, "PayFunction", "wrong function")
    assert scenario_mistakes([health, health, Scenario("GET /nowhere", 200, dict), elsewhere], template) == [
        "GET /nowhere: GET /nowhere is not a route of template.yaml",
        "DELETE /probe/{probe_id} (wrong function): template.yaml routes it to RegisterFunction, not PayFunction",
        "label used 2 times: GET /health",
    ]
