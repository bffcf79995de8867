"""Cross-cutting protections: a content security policy and sign-in throttling."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

# Everything the pages load is ours: no CDN, no inline script. Inline style attributes stay allowed
# because progress bars and charts size themselves with them.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def _client_address(request: HttpRequest | None) -> str:
    if request is None:
        return "unknown"
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _keys(username: str, address: str) -> list[str]:
    # Hashed: a username can hold any character, and some cache backends refuse spaces or control characters.
    digest = hashlib.sha256(username.lower().encode()).hexdigest()
    return [f"login-failures:user:{digest}", f"login-failures:addr:{address}"]


@receiver(user_login_failed)
def count_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Count failures per username and per address for the throttle window."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _keys(str(credentials.get("username", "")), _client_address(request)):
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window)


def is_login_throttled(username: str, address: str) -> bool:
    """Too many recent failures for this username or from this address."""
    limit = settings.LOGIN_FAILURE_LIMIT
    return any((cache.get(key) or 0) >= limit for key in _keys(username, address))


class LoginThrottleMiddleware:
    """Refuse sign-in attempts (page and admin) after too many failures, before the password is checked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.login_paths = {reverse("login"), reverse("admin:login")}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in self.login_paths:
            username = str(request.POST.get("username", ""))
            if is_login_throttled(username, _client_address(request)):
                return render(request, "registration/login_throttled.html", status=429)
        return self.get_response(request)
