"""A username and password buy a token; guessing passwords is throttled."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "correct-horse-battery"  # what tests.factories.UserFactory sets


def test_token_is_returned_for_the_right_password(api_client, employee):
    response = api_client.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_token_authenticates_the_following_requests(api_client, employee):
    token = api_client.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == "alice"


def test_asking_twice_returns_the_same_token(api_client, employee):
    body = {"username": "alice", "password": PASSWORD}
    first = api_client.post(TOKEN_URL, body, format="json").json()["token"]
    assert api_client.post(TOKEN_URL, body, format="json").json()["token"] == first


def test_wrong_password_is_a_400_without_token(api_client, employee):
    response = api_client.post(TOKEN_URL, {"username": "alice", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_inactive_user_gets_no_token(api_client, employee):
    employee.user.is_active = False
    employee.user.save()
    response = api_client.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_too_many_bad_logins_are_refused_with_429(api_client, employee):
    allowed, _period = ScopedRateThrottle().parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"])
    for _attempt in range(allowed):
        assert api_client.post(TOKEN_URL, {"username": "alice", "password": "guess"}, format="json").status_code == 400
    response = api_client.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "detail" in response.json()


def test_a_bad_token_is_401(api_client, employee):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api_client.get("/api/v1/me/").status_code == 401
