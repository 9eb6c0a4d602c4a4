"""The local stack over HTTP: descriptor, resources from the template, JWT authorizer, routing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from moto.utilities.utils import load_resource

from local.seed.farmers import demo_farmers, seed_farmers
from local.seed.users import demo_users, soppeng_kecamatan
from local.template.template import Template
from tests.support.local_stack import REPO_ROOT, aws_client, start_local_stack, stop_local_stack

pytestmark = pytest.mark.e2e

CONTRACT_KEYS = {
    "api_url",
    "aws_endpoint_url",
    "region",
    "user_pool_id",
    "user_pool_client_id",
    "bpjs_simulator_url",
    "demo_users",
}
SOPPENG_KECAMATAN = [f"73.12.{n:02d}" for n in range(1, 9)]
UNAUTHORIZED = {"message": "Unauthorized"}


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(REPO_ROOT / "template.yaml")


def _domain_item_count(descriptor: dict[str, Any]) -> int:
    ddb = aws_client(descriptor, "dynamodb")
    return int(ddb.scan(TableName=descriptor["tables"]["DomainTable"], Select="COUNT")["Count"])


# ---------------------------------------------------------------------------------- descriptor


def test_descriptor_has_the_contract_keys(local_stack: dict[str, Any]) -> None:
    assert set(local_stack) >= CONTRACT_KEYS
    for key in ("api_url", "aws_endpoint_url"):
        url = httpx.URL(local_stack[key])
        assert url.host == "127.0.0.1"
        assert url.port and url.port > 0  # port 0 was asked for: the real port is reported
    assert local_stack["region"] == "ap-southeast-3"
    assert local_stack["user_pool_id"].startswith("ap-southeast-3_")
    simulator = httpx.URL(local_stack["bpjs_simulator_url"])
    assert simulator.host == "127.0.0.1" and simulator.port
    health = httpx.get(f"{local_stack['bpjs_simulator_url']}/_sim/health", trust_env=False)
    assert health.json() == {"status": "ok"}


def test_demo_users_cover_every_kecamatan_and_can_log_in(local_stack: dict[str, Any]) -> None:
    users = local_stack["demo_users"]
    assert all({"username", "password", "role", "kecamatan"} <= set(u) for u in users)  # CONTRACT's keys
    assert all(u["full_name"].strip() for u in users)  # reports name agents by their full names
    for code in SOPPENG_KECAMATAN:
        roles = sorted(u["role"] for u in users if u["kecamatan"] == code)
        assert roles == ["agent", "coordinator"], code
    admins = [u for u in users if u["role"] == "admin"]
    assert len(admins) == 1 and admins[0]["kecamatan"] is None
    assert len(users) == 17

    idp = aws_client(local_stack, "cognito-idp")
    for user in users:
        result = idp.initiate_auth(
            ClientId=local_stack["user_pool_client_id"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user["username"], "PASSWORD": user["password"]},
        )
        claims = jwt.decode(result["AuthenticationResult"]["IdToken"], options={"verify_signature": False})
        assert claims["cognito:username"] == user["username"]
        assert claims["cognito:groups"] == [user["role"]]
        assert claims.get("custom:kecamatan") == user["kecamatan"]


# ---------------------------------------------------------------------------------- resources


def test_every_table_of_the_template_exists_with_its_indexes(
    local_stack: dict[str, Any], template: Template
) -> None:
    ddb = aws_client(local_stack, "dynamodb")
    declared = template.resources_of_type("AWS::DynamoDB::Table")
    assert set(local_stack["tables"]) == set(declared)
    for logical_id, resource in declared.items():
        props = resource["Properties"]
        table = ddb.describe_table(TableName=local_stack["tables"][logical_id])["Table"]
        assert table["KeySchema"] == props["KeySchema"]
        assert {g["IndexName"]: g["KeySchema"] for g in table.get("GlobalSecondaryIndexes", [])} == {
            g["IndexName"]: g["KeySchema"] for g in props.get("GlobalSecondaryIndexes", [])
        }
        assert table["BillingModeSummary"]["BillingMode"] == props["BillingMode"]
        if "TimeToLiveSpecification" in props:
            ttl = ddb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
            assert ttl["TimeToLiveStatus"] == "ENABLED"
            assert ttl["AttributeName"] == props["TimeToLiveSpecification"]["AttributeName"]
    assert {"GSI1", "GSI2"} <= {
        g["IndexName"]
        for g in ddb.describe_table(TableName=local_stack["tables"]["DomainTable"])["Table"][
            "GlobalSecondaryIndexes"
        ]
    }


def test_queues_are_fifo_with_the_redrive_policy_of_the_template(
    local_stack: dict[str, Any], template: Template
) -> None:
    sqs = aws_client(local_stack, "sqs")
    declared = template.resources_of_type("AWS::SQS::Queue")
    assert set(local_stack["queues"]) == set(declared)
    assert {"BpjsOutboundQueue", "BpjsOutboundDlq", "AuditArchiveFailureQueue", "ImportChunkQueue"} <= set(
        declared
    )
    # The BPJS queues keep each farmer's order (FIFO), the reconcile queues each segment's pieces
    # in order; failure destinations and the import chunks are standard queues (a stream's
    # OnFailure takes no FIFO; chunks have no order to keep).
    arns = {
        lid: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for lid, url in local_stack["queues"].items()
    }
    for logical_id, url in local_stack["queues"].items():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        props = declared[logical_id]["Properties"]
        fifo = bool(props.get("FifoQueue"))
        assert fifo == logical_id.startswith(("Bpjs", "Reconcile")), logical_id
        assert attributes.get("FifoQueue", "false") == str(fifo).lower()
        assert url.endswith(".fifo") is fifo
        assert attributes["SqsManagedSseEnabled"] == "true"
        if "VisibilityTimeout" in props:
            assert attributes["VisibilityTimeout"] == str(props["VisibilityTimeout"])
        if "RedrivePolicy" in props:
            redrive = json.loads(attributes["RedrivePolicy"])
            dlq_id = props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert redrive["deadLetterTargetArn"] == arns[dlq_id]
            assert int(redrive["maxReceiveCount"]) == props["RedrivePolicy"]["maxReceiveCount"]
    assert (
        "RedrivePolicy"
        in sqs.get_queue_attributes(
            QueueUrl=local_stack["queues"]["BpjsOutboundQueue"], AttributeNames=["All"]
        )["Attributes"]
    )


def test_bucket_secret_user_pool_groups_and_client_exist(
    local_stack: dict[str, Any], template: Template
) -> None:
    s3 = aws_client(local_stack, "s3")
    declared = template.resources_of_type("AWS::S3::Bucket")
    for logical_id, bucket in local_stack["buckets"].items():
        # Buckets that take presigned uploads (POSTs) from the app carry the template's CORS rule.
        if "CorsConfiguration" in declared[logical_id].get("Properties", {}):
            cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
            rule = declared[logical_id]["Properties"]["CorsConfiguration"]["CorsRules"][0]
            assert cors[0]["AllowedMethods"] == rule["AllowedMethods"]
        versioning = declared[logical_id].get("Properties", {}).get("VersioningConfiguration")
        if versioning:  # every bucket that keeps records; the imports' transient uploads do not
            assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == versioning["Status"]
    assert set(local_stack["buckets"]) == set(template.resources_of_type("AWS::S3::Bucket"))

    sm = aws_client(local_stack, "secretsmanager")
    declared_secrets = template.resources_of_type("AWS::SecretsManager::Secret")
    assert set(local_stack["secrets"]) == set(declared_secrets)
    for logical_id, arn in local_stack["secrets"].items():
        value = sm.get_secret_value(SecretId=arn)["SecretString"]
        spec = declared_secrets[logical_id]["Properties"]["GenerateSecretString"]
        if "SecretStringTemplate" in spec:  # JSON: the template's keys plus the generated one
            document = json.loads(value)
            value = document.pop(spec["GenerateStringKey"])
            assert document == json.loads(spec["SecretStringTemplate"])
        assert len(value) == spec["PasswordLength"] and value.isalnum()  # ExcludePunctuation

    idp = aws_client(local_stack, "cognito-idp")
    pool_id = local_stack["user_pool_id"]
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
    declared_groups = {
        r["Properties"]["GroupName"]
        for r in template.resources_of_type("AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == declared_groups == {"agent", "coordinator", "admin"}
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=local_stack["user_pool_client_id"])
    assert "ALLOW_USER_PASSWORD_AUTH" in client["UserPoolClient"]["ExplicitAuthFlows"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert "custom:kecamatan" in {a["Name"] for a in pool["SchemaAttributes"]}
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12


# ---------------------------------------------------------------------------------- routing


def test_health_needs_no_token(api: httpx.Client) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["apigw-requestid"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nope"), ("DELETE", "/farmers"), ("GET", "/farmers/a/b/c")]
)
def test_unknown_route_is_a_404_problem(api: httpx.Client, method: str, path: str) -> None:
    response = api.request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "NOT_FOUND" and body["status"] == 404
    assert {"type", "title", "detail"} <= set(body)


def test_cors_preflight_is_answered_by_the_gateway(api: httpx.Client) -> None:
    response = api.options(
        "/farmers",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"].split(",")
    assert "authorization" in response.headers["access-control-allow-headers"].split(",")
    # A browser client may send If-Match and read the ETag it names (CONTRACT: PATCH preconditions).
    assert "if-match" in response.headers["access-control-allow-headers"].split(",")


def test_a_browser_client_reads_the_etag(api: httpx.Client, id_token: Callable[[str], str]) -> None:
    headers = {"Origin": "http://localhost:5173", "Authorization": f"Bearer {id_token('agen.lalabata')}"}
    response = api.get("/farmers", headers=headers)
    assert "etag" in response.headers["access-control-expose-headers"].split(",")


# ---------------------------------------------------------------------------------- JWT authorizer


def _moto_signing_key() -> Any:
    """The private key moto signs its Cognito tokens with (kid "dummy")."""
    return RSAAlgorithm.from_jwk(json.dumps(load_resource("cognitoidp/resources/jwks-private.json")))


def _forged(claims: dict[str, Any], key: Any, kid: str = "dummy") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture(scope="module")
def agent_claims(id_token: Callable[[str], str]) -> dict[str, Any]:
    return dict(jwt.decode(id_token("agen.lalabata"), options={"verify_signature": False}))


def _bad_tokens(claims: dict[str, Any]) -> dict[str, str | None]:
    moto_key = _moto_signing_key()
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    return {
        "missing": None,
        "garbage": "Bearer not-a-jwt",
        "expired": _forged({**claims, "iat": now - 7200, "exp": now - 3600}, moto_key),
        "other signing key": _forged({**claims, "exp": now + 3600}, other_key),
        "other audience": _forged({**claims, "aud": "some-other-client", "exp": now + 3600}, moto_key),
        "other issuer": _forged(
            {**claims, "iss": "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_other"},
            moto_key,
        ),
        "HS256": jwt.encode({**claims}, "secret-key-of-at-least-32-bytes!!", algorithm="HS256"),
    }


def test_valid_forgery_control_is_accepted(api: httpx.Client, agent_claims: dict[str, Any]) -> None:
    """The forging helper itself makes good tokens: so the rejections below are about the flaw."""
    token = _forged({**agent_claims, "exp": int(time.time()) + 3600}, _moto_signing_key())
    response = api.get("/farmers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "kind",
    ["missing", "garbage", "expired", "other signing key", "other audience", "other issuer", "HS256"],
)
def test_bad_tokens_get_401_and_the_function_does_not_run(
    api: httpx.Client, local_stack: dict[str, Any], agent_claims: dict[str, Any], kind: str
) -> None:
    token = _bad_tokens(agent_claims)[kind]
    headers = {"Authorization": token if token and token.startswith("Bearer") else f"Bearer {token}"}
    if token is None:
        headers = {}
    farmer = demo_farmers(soppeng_kecamatan())[9]
    before = _domain_item_count(local_stack)
    response = api.post("/farmers", json=farmer.body, headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    # Had the function run, a valid registration would have written the farmer's items.
    assert _domain_item_count(local_stack) == before


def test_a_demo_agent_registers_a_farmer_in_own_kecamatan_only(
    api: httpx.Client,
    id_token: Callable[[str], str],
    local_stack: dict[str, Any],
    local_stack_log: Path,
) -> None:
    """A real ID token reaches the function, whose claim parser reads the stringified claims
    ("[agent]", custom:kecamatan) and applies the kecamatan rule."""
    wilayah = soppeng_kecamatan()
    farmer = next(f for f in demo_farmers(wilayah) if f.body["kecamatan_code"] == "73.12.04")
    other_agent = id_token("agen.citta")
    refused = api.post("/farmers", json=farmer.body, headers={"Authorization": f"Bearer {other_agent}"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "FORBIDDEN"

    own_agent = id_token("agen.lalabata")
    created = api.post("/farmers", json=farmer.body, headers={"Authorization": f"Bearer {own_agent}"})
    assert created.status_code == 201, created.text
    farmer_id = created.json()["farmer_id"]
    listed = api.get("/farmers", headers={"Authorization": own_agent})  # no Bearer prefix: also accepted
    assert listed.status_code == 200
    assert farmer_id in {f["farmer_id"] for f in listed.json()["items"]}

    # Neither the NIK nor the phone number nor the token may appear in the stack's log.
    time.sleep(0.2)  # let the subprocess flush its last lines
    log_text = local_stack_log.read_text(encoding="utf-8", errors="replace")
    assert "POST /farmers" in log_text  # the access log line is there...
    for secret in (farmer.body["nik"], farmer.body["phone"], own_agent, other_agent):
        assert secret not in log_text  # ...but no personal data and no token


def test_seeding_through_the_api_is_idempotent(
    api: httpx.Client, local_stack: dict[str, Any], id_token: Callable[[str], str]
) -> None:
    wilayah = soppeng_kecamatan()
    ganra = [f for f in demo_farmers(wilayah) if f.body["kecamatan_code"] == "73.12.07"]
    idp = aws_client(local_stack, "cognito-idp")
    users = demo_users(wilayah)
    first = seed_farmers(local_stack["api_url"], idp, local_stack["user_pool_client_id"], users, ganra)
    assert (first.created, first.failed) == (len(ganra), 0)
    # Same Idempotency-Key and body: replayed (201) or refused as a duplicate NIK (409), never an error.
    again = seed_farmers(local_stack["api_url"], idp, local_stack["user_pool_client_id"], users, ganra)
    assert again.failed == 0 and again.created + again.existing == len(ganra)

    listed = api.get(
        "/farmers",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {id_token('koordinator.ganra')}"},
    )
    assert listed.status_code == 200
    names = [f["full_name"] for f in listed.json()["items"]]
    assert sorted(names) == sorted(f.body["full_name"] for f in ganra)


# ---------------------------------------------------------------------------------- lifecycle


def test_stops_cleanly_on_sigint_and_removes_the_descriptor(tmp_path: Path) -> None:
    running = start_local_stack(tmp_path / "second", "--no-seed")
    assert running.descriptor_path.exists()
    assert running.descriptor["api_url"] != ""
    assert stop_local_stack(running.process) == 0
    assert not running.descriptor_path.exists()
    assert "stopped" in running.log_text()
