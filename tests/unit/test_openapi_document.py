"""The whole API's OpenAPI document (functions/register/openapi.json, from `make openapi`):
current, complete against template.yaml, valid OpenAPI 3.1, and what the register function
serves at /openapi.json and /docs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from local.loader import applied_environment
from local.template.cfn_yaml import load_yaml
from tests.support.events import LambdaContext, http_event

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def script() -> ModuleType:
    from scripts import openapi

    return openapi


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (ROOT / "functions/register/openapi.json").read_text(encoding="utf-8")
    )
    return document


def template_routes() -> dict[tuple[str, str], tuple[str, bool]]:
    """(path, method) -> (function directory, public) for every HttpApi event of template.yaml."""
    routes: dict[tuple[str, str], tuple[str, bool]] = {}
    for resource in load_yaml(ROOT / "template.yaml")["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            e = event["Properties"]
            public = (e.get("Auth") or {}).get("Authorizer") == "NONE"
            routes[(e["Path"], e["Method"].lower())] = (Path(props["CodeUri"]).name, public)
    return routes


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references expected: {ref}"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"$ref {ref} does not resolve"
        node = node[part]
    return node


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_committed_document_is_what_the_script_generates(script: ModuleType) -> None:
    generated = script.render(script.build_document())
    committed = (ROOT / "functions/register/openapi.json").read_text(encoding="utf-8")
    assert generated == committed, "functions/register/openapi.json is stale: run make openapi"


def test_generation_is_stable(script: ModuleType) -> None:
    assert script.render(script.build_document()) == script.render(script.build_document())


def test_every_template_route_is_documented_with_its_method_and_function(committed: dict[str, Any]) -> None:
    routes = template_routes()
    documented = {(path, method): op for path, method, op in operations(committed)}
    missing = sorted(f"{m.upper()} {p}" for p, m in routes if (p, m) not in documented)
    assert not missing, f"routes of template.yaml missing from the document (run make openapi): {missing}"
    extra = sorted(f"{m.upper()} {p}" for p, m in documented if (p, m) not in routes)
    assert not extra, f"documented routes that no HttpApi event serves: {extra}"
    for key, (function, _) in routes.items():
        assert documented[key]["x-sutasoma-function"] == function, key
    assert len(routes) >= 23
    assert {"/claims", "/farmers/{farmer_id}/payments", "/reports/{period}", "/bpjs/callbacks"} <= set(
        committed["paths"]
    )


def test_security_matches_the_template_authorizers(committed: dict[str, Any]) -> None:
    routes = template_routes()
    scheme = committed["components"]["securitySchemes"]["CognitoIdToken"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    public = {key for key, (_, is_public) in routes.items() if is_public}
    assert public == {
        ("/health", "get"),
        ("/docs", "get"),
        ("/openapi.json", "get"),
        ("/bpjs/callbacks", "post"),
    }
    for path, method, operation in operations(committed):
        if (path, method) in public:
            assert operation["security"] == [], (path, method)
        else:
            assert operation["security"] == [{"CognitoIdToken": []}], (path, method)
            assert "401" in operation["responses"] and "403" in operation["responses"]
    callback = committed["paths"]["/bpjs/callbacks"]["post"]
    headers = {p["name"] for p in callback["parameters"] if p["in"] == "header" and p["required"]}
    assert headers == {"X-Bpjs-Timestamp", "X-Bpjs-Signature"}
    pay = committed["paths"]["/farmers/{farmer_id}/payments"]["post"]
    assert {"name": "Idempotency-Key", "required": True}.items() <= next(
        p for p in pay["parameters"] if p["name"] == "Idempotency-Key"
    ).items()


def test_document_is_valid_openapi_3_1(committed: dict[str, Any]) -> None:
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI

    assert committed["openapi"].startswith("3.1.")
    assert committed["info"]["title"] and committed["info"]["version"]
    assert committed["paths"]
    OpenAPI.model_validate(committed)  # Powertools' OpenAPI 3.1 object model
    for ref in set(refs(committed)):
        resolve(committed, ref)
    operation_ids = [op["operationId"] for _, _, op in operations(committed)]
    assert len(operation_ids) == len(set(operation_ids))
    for path, _, operation in operations(committed):
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), path
        for status, response in operation["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d", status) and response["description"], (path, status)
            for media, content in response.get("content", {}).items():
                if media == "application/problem+json":
                    assert content["schema"] == {"$ref": "#/components/schemas/Problem"}


CONTRACT_CODES = {  # CONTRACT.md's problem codes
    "FORBIDDEN", "VALIDATION_ERROR", "NOT_FOUND", "NIK_INVALID", "NIK_MISMATCH", "AGE_OUT_OF_RANGE",
    "PLACE_INVALID", "NIK_ALREADY_REGISTERED", "IDEMPOTENCY_KEY_REQUIRED", "IDEMPOTENCY_KEY_REUSED",
    "AMOUNT_MISMATCH", "FARMER_LAPSED", "FARMER_REJECTED", "TOO_FAR_AHEAD", "PAID_AT_INVALID",
    "NOT_COVERED", "DUPLICATE_CLAIM", "INCIDENT_DATE_INVALID", "DOCUMENTS_MISSING",
}  # fmt: skip


def test_error_codes_are_listed(committed: dict[str, Any]) -> None:
    description = committed["components"]["schemas"]["Problem"]["properties"]["code"]["description"]
    listed = set(re.findall(r"[A-Z][A-Z_]+[A-Z]", description))
    assert CONTRACT_CODES | {"UNAUTHORIZED", "INTERNAL_ERROR"} <= listed
    assert not {"BAD_REQUEST", "CONFLICT"} & listed  # base-class placeholders, never answered


def test_every_operation_documents_its_success_answer(committed: dict[str, Any]) -> None:
    """A route given its own `responses` must keep its 2xx with a body schema (the two
    download-link routes had only their errors)."""
    silent = []
    for path, item in committed["paths"].items():
        for method, operation in item.items():
            success = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
            if not success:
                silent.append(f"{method.upper()} {path}")
    assert silent == []
    for path in ("/farmers/{farmer_id}/ktp", "/claims/{claim_id}/documents/{doc_type}"):
        schema = committed["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        properties = committed["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["properties"]
        assert {"download_url", "expires_in"} <= set(properties), path


@pytest.fixture(scope="module")
def register_app(script: ModuleType) -> Iterator[ModuleType]:
    with applied_environment(script.FAKE_ENV):
        yield script.load_function(ROOT / "functions/register/app.py")


def invoke(script: ModuleType, module: ModuleType, path: str) -> dict[str, Any]:
    with applied_environment(script.FAKE_ENV):
        result: dict[str, Any] = module.lambda_handler(http_event("GET", path), LambdaContext("register"))
    return result


def test_register_serves_the_document_and_swagger_ui(script: ModuleType, register_app: ModuleType) -> None:
    served = invoke(script, register_app, "/openapi.json")
    assert served["statusCode"] == 200 and "application/json" in served["headers"]["Content-Type"]
    assert served["body"] == (ROOT / "functions/register/openapi.json").read_text(encoding="utf-8")
    page = invoke(script, register_app, "/docs")
    assert page["statusCode"] == 200 and page["headers"]["Content-Type"] == "text/html"
    assert "SwaggerUIBundle" in page["body"] and "/bpjs/callbacks" in page["body"]
