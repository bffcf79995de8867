"""/me/ says who is signed in, with their place in the organisation and their language."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/me/"


def test_me_shows_the_employee_and_their_manager(as_alice, employee, manager):
    body = as_alice.get(ME_URL).json()
    assert body["username"] == "alice"
    assert body["is_hr"] is False
    assert body["employee"]["name"] == "Alice"
    assert body["employee"]["employee_number"] == employee.employee_number
    assert body["employee"]["position"]["code"] == "account-manager"
    assert body["employee"]["manager"] == {
        "id": manager.pk,
        "employee_number": manager.employee_number,
        "name": "Mallory",
    }


def test_me_of_hr_without_an_employee_profile_has_no_employee(as_hr):
    body = as_hr.get(ME_URL).json()
    assert body["is_hr"] is True
    assert body["employee"] is None


def test_me_shows_the_default_language_when_none_is_saved(as_alice, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    assert as_alice.get(ME_URL).json()["language"] == "zh-hans"


def test_me_shows_the_saved_language(employee):
    employee.user.language = "en"
    employee.user.save()
    client = APIClient()
    client.force_authenticate(employee.user)
    assert client.get(ME_URL).json()["language"] == "en"


def test_token_client_reads_texts_in_its_saved_language(employee):
    employee.user.language = "en"
    employee.user.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=employee.user).key}")
    requirement = client.get(f"/api/v1/positions/{employee.position_id}/").json()["required_levels"][0]
    assert requirement["name"] == "Communication and expression"


def test_me_is_401_when_not_signed_in(api_client):
    assert api_client.get(ME_URL).status_code == 401
