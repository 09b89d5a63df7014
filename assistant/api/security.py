"""Operator controls: bearer API keys, the rate-limit key, the loopback rule.

Keys are compared in constant time and never logged; logs and rate limits see only a short
fingerprint of the key (``key_id``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Any

from fastapi import Request

from assistant.api.errors import ApiError

_BEARER = "bearer "


def parse_keys(raw: str | None) -> tuple[bytes, ...]:
    """The configured keys (comma-separated; blanks ignored)."""
    if raw is None:
        return ()
    return tuple(k.strip().encode() for k in raw.split(",") if k.strip())


def key_id(token: str) -> str:
    """A fingerprint that identifies a key in logs and rate limits without revealing it."""
    return "key-" + hashlib.sha256(token.encode()).hexdigest()[:10]


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_host(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None or not header.lower().startswith(_BEARER):
        return None
    token = header[len(_BEARER):].strip()
    return token or None


def check_api_key(request: Request) -> str | None:
    """Let the request through or raise 401. Returns the key's fingerprint, if any.

    With keys configured, ``Authorization: Bearer <key>`` is required. Without keys, only
    callers on this machine are served, unless the operator opened the API to the network.
    """
    keys: tuple[bytes, ...] = request.app.state.api_keys
    settings = request.app.state.settings
    challenge = {"WWW-Authenticate": "Bearer"}
    if not keys:
        if settings.allow_keyless_remote or is_loopback(client_host(request)):
            return None
        raise ApiError(401, "This server has no API keys configured, so it only answers "
                       "callers on its own machine. The operator can set ASSISTANT_API_KEYS.",
                       "no_keys_configured", challenge)
    token = bearer_token(request)
    if token is None:
        raise ApiError(401, "Missing API key: send the header 'Authorization: Bearer <key>'.",
                       "missing_api_key", challenge)
    failures = _failure_counter(request)
    if failures is not None and not failures[0].test(*failures[1:]):
        retry = str(failures[1].get_expiry())
        raise ApiError(429, "Too many wrong API keys from this address. Please wait "
                       f"{retry} s and try again.", "too_many_auth_failures",
                       {"Retry-After": retry})
    candidate = token.encode()
    # compare against every key so the time taken does not reveal which one nearly matched
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, key)
    if not matched:
        if failures is not None:
            failures[0].hit(*failures[1:])
        raise ApiError(401, "Invalid API key.", "invalid_api_key", challenge)
    fingerprint = key_id(token)
    request.state.key_id = fingerprint
    return fingerprint


def rate_limit_key(request: Request) -> str:
    """Count requests per API key when one was given, otherwise per client address."""
    fingerprint = getattr(request.state, "key_id", None)
    return fingerprint or f"ip-{client_host(request) or 'unknown'}"


def _failure_counter(request: Request) -> tuple[Any, ...] | None:
    """(rate-limit strategy, limit, identifiers) counting wrong keys per client address, in
    the same storage as the rate limit (shared by every worker when it is Redis)."""
    limit = getattr(request.app.state, "auth_failure_limit", None)
    limiter = getattr(request.app.state, "limiter", None)
    if limit is None or limiter is None:
        return None
    return limiter.limiter, limit, "auth-failures", f"ip-{client_host(request) or 'unknown'}"
