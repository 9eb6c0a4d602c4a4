"""The HttpApi JWT authorizer, locally: verify a Cognito token as API Gateway would.

API Gateway checks, before calling the function: a token is present, its signature verifies
(RS256) against the issuer's JWKS, `iss` equals the configured issuer, `aud` (ID token) or
`client_id` (access token) is one of the configured audiences, `exp`/`nbf`/`iat` are in order,
and the route's scopes (if any) are granted. A failure is a 401 `{"message":"Unauthorized"}`
(403 `{"message":"Forbidden"}` for missing scopes) and the function never runs.

In moto server mode the tokens carry the real Cognito issuer URL while moto serves the JWKS
at `<moto>/<user_pool_id>/.well-known/jwks.json`: `cognito_jwks_url` maps one to the other.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

_COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/(?P<pool>[\w-]+)$")

# Fetch the JWKS again at most this often when a token names an unknown key id.
_JWKS_REFRESH_S = 30.0


class Unauthorized(Exception):
    """401: the request is not authenticated (the reason goes to the debug log only)."""


class Forbidden(Exception):
    """403: authenticated, but the token lacks the route's authorization scopes."""


def cognito_jwks_url(issuer: str, moto_url: str) -> str:
    """The moto URL serving the JWKS of a Cognito issuer (the real URL would leave the machine)."""
    match = _COGNITO_ISSUER.match(issuer)
    if not match:
        raise ValueError(
            f"JWT issuer {issuer!r} is not a Cognito user pool: the local stack only verifies "
            "tokens of the embedded (moto) Cognito"
        )
    return f"{moto_url.rstrip('/')}/{match.group('pool')}/.well-known/jwks.json"


def fetch_json(url: str, timeout: float = 5.0) -> Any:
    """GET a JSON document, never through a proxy (the URL is always 127.0.0.1)."""
    if not url.startswith(("http://127.0.0.1", "http://localhost")):
        raise ValueError(f"refusing to fetch {url}: the local stack only talks to 127.0.0.1")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return json.loads(response.read())


class JwtVerifier:
    """One JWT authorizer of the HttpApi (issuer + audience list), with a cached JWKS."""

    def __init__(
        self,
        issuer: str,
        audience: tuple[str, ...],
        fetch_jwks: Callable[[], Mapping[str, Any]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._fetch_jwks = fetch_jwks
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def _key(self, kid: str) -> Any:
        with self._lock:
            stale = self._clock() - self._fetched_at > _JWKS_REFRESH_S
            if kid not in self._keys and stale:
                jwks = self._fetch_jwks()
                self._keys = {
                    str(k["kid"]): RSAAlgorithm.from_jwk(json.dumps(k))
                    for k in jwks.get("keys", [])
                    if k.get("kty") == "RSA"
                }
                self._fetched_at = self._clock()
            if kid not in self._keys:
                raise Unauthorized(f"no key {kid!r} in the issuer's JWKS")
            return self._keys[kid]

    def verify(self, authorization: str | None, required_scopes: tuple[str, ...] = ()) -> dict[str, Any]:
        """Return the token's claims, or raise Unauthorized / Forbidden."""
        if not authorization or not authorization.strip():
            raise Unauthorized("no token")
        token = authorization.strip()
        # API Gateway accepts the token with or without the Bearer prefix.
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"malformed token: {exc}") from exc
        if header.get("alg") != "RS256":
            raise Unauthorized(f"algorithm {header.get('alg')!r} is not RS256")
        key = self._key(str(header.get("kid")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self.issuer,
                # aud is checked below: an access token has client_id instead.
                options={"verify_aud": False, "require": ["exp", "iss"]},
                leeway=0,
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        iat = claims.get("iat")
        if isinstance(iat, int | float) and iat > self._clock() + 1:
            raise Unauthorized("token issued in the future")
        audiences = claims.get("aud", claims.get("client_id"))
        audience_list = audiences if isinstance(audiences, list) else [audiences]
        if not any(a in self.audience for a in audience_list if a is not None):
            raise Unauthorized("audience not allowed")
        if required_scopes:
            granted = str(claims.get("scope", claims.get("scp", ""))).split()
            if not any(scope in granted for scope in required_scopes):
                raise Forbidden("scope not granted")
        return claims


def claim_string(value: Any) -> str:
    """A claim value as the HttpApi JWT authorizer hands it over: always a string.

    Arrays become `[a b]` (space-separated in brackets, like Go's %v), numbers their
    integer/decimal text, booleans `true`/`false`.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(claim_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{claim_string(v)}" for k, v in sorted(value.items())) + "]"
    if value is None:
        return ""
    return str(value)


def stringify_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    return {str(name): claim_string(value) for name, value in claims.items()}
