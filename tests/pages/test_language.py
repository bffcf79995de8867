"""The language switch, remembered on the person once they are signed in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.pages.conftest import form_url

pytestmark = pytest.mark.django_db


def test_pages_are_in_the_shipped_default_for_someone_who_never_chose(client, employee, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(employee.user)
    assert '<html lang="zh-hans">' in client.get(reverse("home")).content.decode()


def test_switching_language_when_signed_in_is_remembered_on_the_person(as_alice, employee):
    as_alice.post(reverse("switch_language"), {"language": "en", "next": "/"})
    employee.user.refresh_from_db()
    assert employee.user.language == "en"


def test_the_remembered_language_wins_over_the_browsers(as_alice, employee):
    as_alice.post(reverse("switch_language"), {"language": "zh-hans", "next": "/"})
    page = as_alice.get(reverse("home"), headers={"accept-language": "en"}).content.decode()
    assert '<html lang="zh-hans">' in page


def test_switching_again_replaces_the_remembered_language(as_alice, employee):
    as_alice.post(reverse("switch_language"), {"language": "en", "next": "/"})
    as_alice.post(reverse("switch_language"), {"language": "zh-hans", "next": "/"})
    employee.user.refresh_from_db()
    assert employee.user.language == "zh-hans"


def test_an_unknown_language_is_not_remembered(as_alice, employee):
    as_alice.post(reverse("switch_language"), {"language": "xx", "next": "/"})
    employee.user.refresh_from_db()
    assert employee.user.language == ""


def test_an_anonymous_visitor_can_switch_language_too(client):
    response = client.post(reverse("switch_language"), {"language": "en", "next": "/catalogue/"})
    assert response.url == "/catalogue/"


def test_the_switch_redirects_back_to_the_page_it_was_used_on(as_alice, self_assessment):
    response = as_alice.post(reverse("switch_language"), {"language": "en", "next": form_url(self_assessment)})
    assert response.url == form_url(self_assessment)
