"""local.template: CloudFormation short tags, parameters, conditions, Globals, functions, routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.aws.identity import generate_secret_string
from local.aws.resources import CREATORS, SKIPPED_TYPES, create_resources
from local.template.cfn_yaml import TemplateError, UnresolvedReferenceError
from local.template.specs import Physical
from local.template.template import Template

REPO_ROOT = Path(__file__).resolve().parents[2]

SAMPLE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 5}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Globals:
  Function:
    Timeout: 7
    MemorySize: 256
    Layers: [!Ref Layer]
    Environment:
      Variables:
        TABLE: !Ref Table
        SIZE: !Ref Size
        FLAG: true
        SHARED: from-globals
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 3}
  Dlq:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true}
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-table"
      DeletionProtectionEnabled: !If [IsProd, true, false]
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layers/common}
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: {AllowOrigins: ["*"], AllowMethods: [GET], AllowHeaders: [Authorization], MaxAge: 60}
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            JwtConfiguration:
              issuer: !Sub "https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}"
              audience: [!Ref Client]
  Pool: {Type: AWS::Cognito::UserPool}
  Client: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: !Ref Pool}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/fn
      Handler: app.lambda_handler
      Timeout: 3
      Environment:
        Variables:
          SHARED: from-function
          SUB: !Sub "${AWS::StackName}-${Table}-${Queue.Arn}"
          SUB_LIST: !Sub ["${A}-${AWS::Region}", {A: !Select [1, !Split [",", "a,b,c"]]}]
          JOINED: !Join ["/", [x, !Ref Stage, !Ref "AWS::AccountId"]]
          IF_VALUE: !If [IsProd, p, np]
          GONE: !If [IsProd, x, !Ref "AWS::NoValue"]
          LITERAL: !Sub "${!NotAVariable}"
          DATE: 2026-01-01
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: "/items/{item_id}", Method: get}}
        Open: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /open, Method: GET, Auth: {Authorizer: NONE}}}
        Work: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}
"""


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def fake_refs(template: Template) -> dict[str, Physical]:
    return {
        lid: Physical(ref=f"ref-{lid}", attrs={"Arn": f"arn-{lid}", "StreamArn": f"arn-{lid}/stream/1"})
        for lid in template.resources()
    }


def test_parameters_defaults_overrides_and_allowed_values(sample: Path) -> None:
    template = Template(sample)
    assert template.parameters == {"Stage": "dev", "Size": 5}
    assert template.conditions == {"IsProd": False, "NotProd": True}
    prod = Template(sample, parameter_overrides={"Stage": "prod"})
    assert prod.conditions == {"IsProd": True, "NotProd": False}
    with pytest.raises(TemplateError, match="AllowedValues"):
        Template(sample, parameter_overrides={"Stage": "qa"})
    with pytest.raises(TemplateError, match="not in the template"):
        Template(sample, parameter_overrides={"Nope": "x"})


def test_conditional_resources_follow_their_condition(sample: Path) -> None:
    assert "ProdOnly" not in Template(sample).resources()
    assert "ProdOnly" in Template(sample, parameter_overrides={"Stage": "prod"}).resources()


def test_creation_order_puts_dependencies_first(sample: Path) -> None:
    order = Template(sample).creation_order()
    assert order.index("Dlq") < order.index("Queue")
    assert order.index("Pool") < order.index("Client") < order.index("Api")
    assert order.index("Table") < order.index("Fn")
    assert order.index("Layer") < order.index("Fn")  # via Globals.Function.Layers


def test_short_tags_are_resolved(sample: Path) -> None:
    template = Template(sample)
    refs = fake_refs(template)
    table = template.resolve(template.properties("Table"), refs)
    assert table == {"TableName": "sutasoma-local-table", "DeletionProtectionEnabled": False}
    queue = template.resolve(template.properties("Queue"), refs)
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == "arn-Dlq"


def test_resolving_before_a_dependency_exists_is_an_error(sample: Path) -> None:
    template = Template(sample)
    with pytest.raises(UnresolvedReferenceError):
        template.resolve(template.properties("Queue"), {})


def test_function_environment_merges_globals_and_is_all_strings(sample: Path) -> None:
    template = Template(sample)
    (fn,) = template.functions(fake_refs(template))
    assert fn.environment == {
        "TABLE": "ref-Table",
        "SIZE": "5",
        "FLAG": "true",
        "SHARED": "from-function",  # the function's own value wins over Globals
        "SUB": "sutasoma-local-ref-Table-arn-Queue",
        "SUB_LIST": "b-ap-southeast-3",
        "JOINED": "x/dev/123456789012",
        "IF_VALUE": "np",
        "LITERAL": "${NotAVariable}",
        "DATE": "2026-01-01",  # a string, as CloudFormation reads it, not a datetime.date
    }
    assert template.global_function_environment(fake_refs(template))["SHARED"] == "from-globals"
    assert fn.timeout_s == 3 and fn.memory_mb == 256
    assert fn.code_uri == sample.parent / "functions/fn"
    assert fn.module_file == sample.parent / "functions/fn/app.py"
    assert fn.handler_name == "lambda_handler"
    assert fn.layer_dirs == (sample.parent / "layers/common",)
    assert fn.function_name == "sutasoma-local-Fn"


def test_function_routes_and_authorizers(sample: Path) -> None:
    template = Template(sample)
    refs = fake_refs(template)
    (fn,) = template.functions(refs)
    routes = {r.route_key: r.authorizer for r in fn.routes}
    assert routes == {"GET /items/{item_id}": "Jwt", "GET /open": None}
    assert fn.other_events == {"Work": "SQS"}
    api = template.http_api(refs)
    assert api is not None
    assert api.authorizers["Jwt"].issuer == "https://cognito-idp.ap-southeast-3.amazonaws.com/ref-Pool"
    assert api.authorizers["Jwt"].audience == ("ref-Client",)
    assert api.cors is not None and api.cors.allow_headers == ("authorization",)


def test_unknown_resource_type_stops_the_stack(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Thing: {Type: AWS::Kinesis::Stream}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"Thing \(AWS::Kinesis::Stream\)"):
        create_resources(Template(path), clients=None)  # type: ignore[arg-type]


def test_every_resource_type_of_the_real_template_is_known() -> None:
    template = Template(REPO_ROOT / "template.yaml")
    types = {r["Type"] for r in template.resources().values()}
    assert types <= set(CREATORS) | set(SKIPPED_TYPES)
    assert {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::Cognito::UserPool"} <= types


def test_real_template_routes() -> None:
    template = Template(REPO_ROOT / "template.yaml")
    refs = fake_refs(template)
    routes = {r.route_key: r.authorizer for fn in template.functions(refs) for r in fn.routes}
    assert routes["GET /health"] is None
    assert routes["POST /farmers"] == "CognitoJwt"
    assert routes["GET /farmers/{farmer_id}"] == "CognitoJwt"


@pytest.mark.parametrize(
    ("spec", "check"),
    [
        ({"PasswordLength": 64, "ExcludePunctuation": True}, lambda v: len(v) == 64 and v.isalnum()),
        ({"PasswordLength": 12, "ExcludeCharacters": "abcdefghij"}, lambda v: not set(v) & set("abcdefghij")),
        (
            {"SecretStringTemplate": '{"user": "x"}', "GenerateStringKey": "password", "PasswordLength": 8},
            lambda v: v.startswith('{"user": "x", "password": "'),
        ),
    ],
)
def test_generate_secret_string(spec: dict[str, Any], check: Any) -> None:
    assert check(generate_secret_string(spec))


def test_every_function_has_its_log_group_errors_alarm_and_dashboard_line() -> None:
    template = Template(REPO_ROOT / "template.yaml")
    resources = template.resources()
    functions = template.resources_of_type("AWS::Serverless::Function")
    alarms = template.resources_of_type("AWS::CloudWatch::Alarm").values()

    def alarmed(metric: str, dimension_value: Any) -> bool:
        return any(
            a["Properties"].get("MetricName") == metric
            and a["Properties"]["Dimensions"][0]["Value"] == dimension_value
            for a in alarms
            if a["Properties"].get("Dimensions")
        )

    dashboard = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for logical_id, function in functions.items():
        log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[log_group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert alarmed("Errors", {"Ref": logical_id}), f"{logical_id} has no Errors alarm"
        assert f'["AWS/Lambda","Errors","FunctionName","${{{logical_id}}}"]' in dashboard
        # A stream consumer: how far behind it is, and what it gave up on.
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "DynamoDB":
                assert alarmed("IteratorAge", {"Ref": logical_id}), f"{logical_id} has no IteratorAge alarm"
                queue = event["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
                assert alarmed("ApproximateNumberOfMessagesVisible", {"Fn::GetAtt": [queue, "QueueName"]})
