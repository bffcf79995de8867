"""Security headers and sign-in throttling, seen from the outside."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get(reverse("competency:catalogue"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_api_docs_load_swagger_from_our_own_static_files(client):
    UserFactory(username="reader")
    client.login(username="reader", password="correct-horse-battery")
    page = client.get(reverse("api-docs")).content.decode()
    assert "cdn" not in page.lower()
    assert "swagger-ui" in page


def test_sign_in_is_refused_after_five_wrong_passwords(client):
    UserFactory(username="victim")
    for _ in range(5):
        client.post(reverse("login"), {"username": "victim", "password": "wrong-guess"})
    response = client.post(reverse("login"), {"username": "victim", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_few_wrong_passwords_do_not_block_the_right_one(client):
    UserFactory(username="forgetful")
    for _ in range(3):
        client.post(reverse("login"), {"username": "forgetful", "password": "wrong-guess"})
    response = client.post(reverse("login"), {"username": "forgetful", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_short_and_common_passwords_are_rejected():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["short1", "password123", "123456789"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
