"""local/webapp.py: the field app served as CloudFront serves it - the app's files only, gzip when
accepted, config.json made for the stack, and template.yaml's response headers policy (its CSP
with the local origins in its variables)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from werkzeug.test import Client

from local.template.template import Template
from local.webapp import WEB_DIR, WebApp, app_config, deployable_files, security_headers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def client(template: Template) -> Client:
    config = app_config(
        api_url="http://127.0.0.1:3000/",
        region="ap-southeast-3",
        user_pool_id="ap-southeast-3_pool",
        user_pool_client_id="client",
        cognito_endpoint="http://127.0.0.1:4566/",
        min_registration_age=17,
        max_registration_age=65,
    )
    headers = security_headers(
        template,
        {
            "ApiOrigin": "http://127.0.0.1:3000",
            "CognitoOrigin": "http://127.0.0.1:4566",
            "UploadOrigins": "http://127.0.0.1:4566",
        },
    )
    return Client(WebApp(WEB_DIR, config, headers))


def test_the_local_app_has_the_templates_csp_with_local_origins(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "connect-src 'self' http://127.0.0.1:3000 http://127.0.0.1:4566 http://127.0.0.1:4566;" in csp
    assert "${" not in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "require-trusted-types-for 'script'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP locally
    assert response.headers["Cache-Control"] == "no-cache"


def test_config_json_names_the_api_and_the_user_pool(client: Client) -> None:
    response = client.get("/config.json")
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.get_json() == {
        "api_url": "http://127.0.0.1:3000",
        "region": "ap-southeast-3",
        "user_pool_id": "ap-southeast-3_pool",
        "user_pool_client_id": "client",
        "cognito_endpoint": "http://127.0.0.1:4566/",
        "min_registration_age": 17,
        "max_registration_age": 65,
    }


def test_only_the_apps_files_are_served(client: Client) -> None:
    assert client.get("/js/main.js").headers["Content-Type"].startswith("text/javascript")
    assert client.get("/manifest.webmanifest").headers["Content-Type"] == "application/manifest+json"
    for hidden in (
        "/tests/nik_cases.json",
        "/package.json",
        "/../template.yaml",
        "/js/../../README.md",
        "/nope.js",
    ):
        assert client.get(hidden).status_code == 404, hidden
    assert client.post("/").status_code == 405


def test_text_is_gzip_compressed_when_the_browser_accepts_it(client: Client) -> None:
    plain = client.get("/app.css")
    packed = client.get("/app.css", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert (
        "Content-Encoding"
        not in client.get("/icons/icon-192.png", headers={"Accept-Encoding": "gzip"}).headers
    )


def test_a_csp_variable_without_a_local_value_is_an_error(template: Template) -> None:
    with pytest.raises(KeyError, match="ApiOrigin"):
        security_headers(template, {"CognitoOrigin": "x", "UploadOrigins": "y"})


def test_the_app_is_its_files_not_its_tests_nor_its_tooling() -> None:
    files = deployable_files()
    assert {"index.html", "sw.js", "app.css", "manifest.webmanifest", "js/main.js"} <= set(files)
    assert not [f for f in files if f.startswith(("tests/", "node_modules/")) or f.endswith("package.json")]
