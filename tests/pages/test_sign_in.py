"""Signing in and out, and resetting a forgotten password by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_has_labelled_fields(client):
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in page
    assert '<label for="id_password">' in page


def test_signing_in_lands_on_the_home_page(client, employee):
    response = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert response.url == reverse("home")


def test_a_wrong_password_is_refused_on_the_page(client, employee):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert 'class="message error"' in response.content.decode()


def test_the_home_page_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.url.startswith(reverse("login"))


def test_signing_out_ends_the_session(as_alice):
    as_alice.post(reverse("logout"))
    assert as_alice.get(reverse("home")).status_code == 302


def test_a_password_reset_sends_a_link_by_email(client, employee):
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert "/accounts/reset/" in mail.outbox[0].body


def test_the_emailed_link_lets_the_person_choose_a_new_password(client, employee):
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    link = re.search(r"http://\S+/accounts/reset/\S+", mail.outbox[0].body).group(0)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-much-better-secret", "new_password2": "a-much-better-secret"},
    )
    assert client.login(username="alice", password="a-much-better-secret")


def test_a_used_or_forged_reset_link_says_it_has_expired(client, employee):
    page = client.get(
        reverse("password_reset_confirm", args=["MQ", "bad-token"]), headers={"accept-language": "en"}
    ).content.decode()
    assert "expired" in page
