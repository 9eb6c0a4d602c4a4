"""The field app's files (web/) without a browser: generated pieces current, the first load under
its budget, every referenced file in the offline shell, no inline script or style for the CSP to
refuse, no CDN; and local/webapp.py serving them with template.yaml's security headers."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from werkzeug.test import Client

from local.template import Template
from local.webapp import WEB_DIR, WebApp, app_config, deployable_files, security_headers

ROOT = Path(__file__).resolve().parents[2]


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


web_assets = _load_script("web_assets")


def test_generated_reference_data_and_shell_are_current() -> None:
    assert web_assets.stale() == [], "run make web"


def test_first_load_is_within_200_kb_gzip() -> None:
    sizes = web_assets.first_load_sizes()
    total = sum(packed for _, packed in sizes.values())
    assert total <= web_assets.FIRST_LOAD_BUDGET_BYTES, f"{total} bytes gzip"


def test_the_shell_lists_every_file_but_the_worker_and_the_config() -> None:
    text = (WEB_DIR / "sw.js").read_text(encoding="utf-8")
    shell = json.loads(re.search(r"^const SHELL = (.*);$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert shell[0] == "./"
    assert set(shell[1:]) == set(deployable_files()) - {"sw.js"}
    assert not any(
        name.startswith(("tests/", "node_modules/")) or name.endswith("package.json") for name in shell
    )


def _references() -> dict[str, set[str]]:
    """file -> the web/ files it refers to (imports, src/href, url(), manifest icons)."""
    found: dict[str, set[str]] = {}
    for name in deployable_files():
        path = WEB_DIR / name
        if path.suffix not in (".js", ".html", ".css", ".webmanifest"):
            continue
        text = path.read_text(encoding="utf-8")
        refs: set[str] = set()
        if path.suffix == ".js":
            refs |= set(re.findall(r"""(?:import|from)\s*\(?["'](\.{1,2}/[^"']+)["']""", text))
        if path.suffix == ".html":
            refs |= set(re.findall(r"""(?:src|href)="([^"#:]+)\"""", text))
        if path.suffix == ".css":
            refs |= set(re.findall(r"""url\("([^"]+)"\)""", text))
        if path.suffix == ".webmanifest":
            refs |= {icon["src"] for icon in json.loads(text)["icons"]}
        found[name] = {
            (path.parent / ref).resolve().relative_to(WEB_DIR.resolve()).as_posix() for ref in refs
        }
    return found


def test_every_referenced_file_exists_and_is_served() -> None:
    files = set(deployable_files())
    for name, refs in _references().items():
        assert refs <= files, f"{name} refers to missing {sorted(refs - files)}"
    every_module = {f for f in files if f.startswith("js/")}
    reached = {"js/main.js"}
    refs = _references()
    frontier = ["js/main.js"]
    while frontier:
        for ref in refs.get(frontier.pop(), set()):
            if ref not in reached:
                reached.add(ref)
                frontier.append(ref)
    assert every_module <= reached, f"modules nobody imports: {sorted(every_module - reached)}"


def test_no_inline_script_or_style_no_markup_from_strings_no_cdn() -> None:
    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script>"
    assert "<style" not in html and " style=" not in html
    for name in deployable_files():
        if not name.endswith((".js", ".html", ".css")):
            continue
        text = (WEB_DIR / name).read_text(encoding="utf-8")
        assert (
            "innerHTML" not in text and "insertAdjacentHTML" not in text and "document.write" not in text
        ), name
        assert ".style." not in text and 'setAttribute("style"' not in text, name
        # No library or font from another site at run time (wa.me is a link the user follows).
        for url in re.findall(r"https?://[^\s\"'`)]+", text):
            assert url.startswith(("https://wa.me/", "https://cognito-idp.")), f"{name}: {url}"


def test_the_app_speaks_indonesian() -> None:
    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    assert '<html lang="id">' in html
    manifest = json.loads((WEB_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["lang"] == "id"
    assert {"192x192", "512x512"} <= {
        icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"
    }
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


# ---------------------------------------------------------------------------------- local/webapp.py


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
