"""The field app (web/) served by the local stack, as CloudFront serves it when deployed.

- the files of web/ that are deployed (`deployable_files`: not its tests nor its npm tooling),
  gzip-compressed when the browser accepts it (CloudFront's `Compress: true`);
- `/config.json` made for the local stack: the local API, moto's Cognito (the app calls the
  user pool's JSON API there; moto answers CORS preflights itself, so no proxy is needed), the
  user pool and client ids, and the registration age policy of the template's parameters;
- the security headers of template.yaml's `WebAppHeadersPolicy` (CSP included), with the local
  origins put in the CSP's variables: a script or style the CSP would refuse in production is
  refused here too, and the browser tests see it.

Like the gateway, no access log line carries a query string.
"""

from __future__ import annotations

import gzip
import json
import logging
import mimetypes
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local.gateway.server import GatewayServer, _QuietHandler
from local.template.template import Template

log = logging.getLogger("local.webapp")

REPO_ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = REPO_ROOT / "web"
HEADERS_POLICY = "WebAppHeadersPolicy"

# Never deployed nor served: the app's tests, its tooling, what npm installs.
NOT_DEPLOYED_DIRS = frozenset({"tests", "node_modules"})
NOT_DEPLOYED_FILES = frozenset({"package.json", "package-lock.json", "README.md"})
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# Read on every start of the app (never cached long): the rest is versioned by the service worker.
NO_CACHE = frozenset({"index.html", "sw.js", "config.json"})
COMPRESSIBLE = (".html", ".js", ".css", ".json", ".webmanifest", ".svg")


def deployable_files(web_dir: Path = WEB_DIR) -> list[str]:
    """Paths (relative to web/, forward slashes) of every file the app is made of."""
    found = []
    for folder, dirs, files in os.walk(web_dir):
        rel_folder = Path(folder).relative_to(web_dir)
        # Never descend into web/node_modules (Lighthouse's tree) or web/tests.
        dirs[:] = sorted(d for d in dirs if not (rel_folder == Path(".") and d in NOT_DEPLOYED_DIRS))
        for name in files:
            if name in NOT_DEPLOYED_FILES or name.startswith("."):
                continue
            found.append((rel_folder / name).as_posix())
    return sorted(found)


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(name: str) -> str:
    return "no-cache" if name in NO_CACHE else "public, max-age=3600"


def app_config(
    *,
    api_url: str,
    region: str,
    user_pool_id: str,
    user_pool_client_id: str,
    cognito_endpoint: str,
    min_registration_age: int | None = None,
    max_registration_age: int | None = None,
) -> dict[str, Any]:
    """The app's config.json (the same keys locally and deployed: scripts/web_deploy.py)."""
    config: dict[str, Any] = {
        "api_url": api_url.rstrip("/"),
        "region": region,
        "user_pool_id": user_pool_id,
        "user_pool_client_id": user_pool_client_id,
        "cognito_endpoint": cognito_endpoint,
    }
    if min_registration_age is not None:
        config["min_registration_age"] = int(min_registration_age)
    if max_registration_age is not None:
        config["max_registration_age"] = int(max_registration_age)
    return config


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_SUB_VAR = re.compile(r"\$\{([^}!]+)\}")


def security_headers(template: Template, variables: dict[str, str], *, https: bool = False) -> dict[str, str]:
    """The headers of the template's response headers policy, the CSP's ${Variables} set from
    `variables` (local origins instead of the deployed ones)."""
    resource = (template.raw.get("Resources") or {}).get(HEADERS_POLICY)
    if resource is None:
        raise KeyError(f"template.yaml has no {HEADERS_POLICY}")
    config = resource["Properties"]["ResponseHeadersPolicyConfig"]
    security = config.get("SecurityHeadersConfig", {})
    headers: dict[str, str] = {}
    csp = security.get("ContentSecurityPolicy")
    if csp:
        text = csp["ContentSecurityPolicy"]
        if isinstance(text, dict) and "Fn::Sub" in text:
            sub = text["Fn::Sub"]
            text = sub[0] if isinstance(sub, list) else sub

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name not in variables:
                raise KeyError(f"{HEADERS_POLICY}: no local value for ${{{name}}} in the CSP")
            return variables[name]

        headers["Content-Security-Policy"] = " ".join(_SUB_VAR.sub(replace, str(text)).split())
    if "ContentTypeOptions" in security:
        headers["X-Content-Type-Options"] = "nosniff"
    if "FrameOptions" in security:
        headers["X-Frame-Options"] = str(security["FrameOptions"]["FrameOption"])
    if "ReferrerPolicy" in security:
        headers["Referrer-Policy"] = str(security["ReferrerPolicy"]["ReferrerPolicy"])
    hsts = security.get("StrictTransportSecurity")
    if hsts and https:  # browsers ignore HSTS over plain HTTP
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        if str(hsts.get("IncludeSubdomains", "")).lower() == "true":
            value += "; includeSubDomains"
        if str(hsts.get("Preload", "")).lower() == "true":
            value += "; preload"
        headers["Strict-Transport-Security"] = value
    for item in (config.get("CustomHeadersConfig") or {}).get("Items", []):
        headers[str(item["Header"])] = str(item["Value"])
    return headers


@dataclass
class WebApp:
    """WSGI app: web/'s deployable files, /config.json, the policy's security headers. The list
    of files is read again at most once a second (edits show on reload; no disk walk per request)."""

    web_dir: Path
    config: dict[str, Any]
    headers: dict[str, str]
    _files: frozenset[str] = frozenset()
    _listed_at: float = -1.0

    def files(self) -> frozenset[str]:
        now = time.monotonic()
        if now - self._listed_at > 1.0:
            self._files = frozenset(deployable_files(self.web_dir))
            self._listed_at = now
        return self._files

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.respond(request)
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return self._finish(Response("method not allowed\n", 405, headers={"Allow": "GET, HEAD"}))
        name = request.path.lstrip("/") or "index.html"
        if name == "config.json":
            body = (json.dumps(self.config, indent=2) + "\n").encode()
            return self._finish(self._body(request, name, body))
        if name not in self.files():
            return self._finish(Response("not found\n", 404, content_type="text/plain; charset=utf-8"))
        return self._finish(self._body(request, name, (self.web_dir / name).read_bytes()))

    def _body(self, request: Request, name: str, body: bytes) -> Response:
        response = Response(status=200, content_type=content_type(name))
        if name.endswith(COMPRESSIBLE) and "gzip" in request.headers.get("Accept-Encoding", ""):
            response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
            response.headers["Content-Encoding"] = "gzip"
        else:
            response.set_data(body)
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["Cache-Control"] = cache_control(name)
        return response

    def _finish(self, response: Response) -> Response:
        for header, value in self.headers.items():
            response.headers[header] = value
        return response


def serve_webapp(
    template: Template,
    port: int,
    *,
    api_url: str,
    aws_url: str,
    region: str,
    user_pool_id: str,
    user_pool_client_id: str,
    web_dir: Path = WEB_DIR,
    host: str = "127.0.0.1",
) -> GatewayServer:
    """Serve web/ on a background thread; `.url` is the app_url of stack.json."""
    parameters = template.parameters
    config = app_config(
        api_url=api_url,
        region=region,
        user_pool_id=user_pool_id,
        user_pool_client_id=user_pool_client_id,
        cognito_endpoint=aws_url.rstrip("/") + "/",
        min_registration_age=parameters.get("MinRegistrationAge"),
        max_registration_age=parameters.get("MaxRegistrationAge"),
    )
    local_aws = origin(aws_url)
    headers = security_headers(
        template,
        {"ApiOrigin": origin(api_url), "CognitoOrigin": local_aws, "UploadOrigins": local_aws},
    )
    app = WebApp(web_dir, config, headers)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="local-webapp", daemon=True)
    thread.start()
    served = GatewayServer(server, thread)
    log.info("field app on %s (%d files from %s)", served.url, len(deployable_files(web_dir)), web_dir.name)
    return served
