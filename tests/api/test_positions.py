"""Positions and their required levels: everyone reads them, HR writes them."""

import pytest

from assessments.models import Position, RequiredLevel
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/positions/"
ALL_LEVELS = {"COMM": 1, "LOGIC": 1, "COORD": 2, "MKT": 1, "PROD": 2, "CRM": 1, "SALES": 3}


def new_position(**changes):
    body = {
        "track": "key-account-sales",
        "code": "key-account-director",
        "name_zh": "大客户总监",
        "name_en": "Key account director",
        "required_levels": dict(ALL_LEVELS),
    }
    body.update(changes)
    return body


def test_everyone_signed_in_reads_positions_with_their_required_levels(as_alice, position):
    body = as_alice.get(LIST_URL).json()
    assert [p["code"] for p in body["results"]] == ["account-manager"]
    levels = {r["competency"]: (r["kind"], r["level"]) for r in body["results"][0]["required_levels"]}
    assert levels["COMM"] == ("generic", 2)
    assert levels["SALES"] == ("professional", 2)


def test_positions_filter_by_track(as_alice, position):
    assert as_alice.get(LIST_URL, {"track": "no-such-track"}).json()["count"] == 0


def test_hr_creates_a_position_with_every_required_level(as_hr, track):
    response = as_hr.post(LIST_URL, new_position(), format="json")
    assert response.status_code == 201
    position = Position.objects.get(code="key-account-director")
    assert dict(position.required_levels.values_list("competency__code", "level")) == ALL_LEVELS
    assert response.json()["id"] == position.pk


def test_a_position_needs_a_level_for_every_competency_of_its_track(as_hr, track):
    levels = {code: level for code, level in ALL_LEVELS.items() if code != "CRM"}
    response = as_hr.post(LIST_URL, new_position(required_levels=levels), format="json")
    assert response.status_code == 400
    assert "CRM" in response.json()["required_levels"][0]
    assert not Position.objects.filter(code="key-account-director").exists()


def test_a_required_level_outside_1_to_3_is_refused(as_hr, track):
    response = as_hr.post(LIST_URL, new_position(required_levels={**ALL_LEVELS, "MKT": 4}), format="json")
    assert response.status_code == 400
    assert response.json()["required_levels"] == ["MKT: a required level must be 1, 2 or 3."]


def test_a_competency_outside_the_track_is_refused(as_hr, track):
    response = as_hr.post(LIST_URL, new_position(required_levels={**ALL_LEVELS, "CODING": 2}), format="json")
    assert response.status_code == 400
    assert "CODING" in response.json()["required_levels"][0]


def test_position_codes_are_unique(as_hr, position):
    response = as_hr.post(LIST_URL, new_position(code=position.code), format="json")
    assert response.status_code == 400
    assert "code" in response.json()


def test_employee_cannot_create_a_position(as_alice, track):
    assert as_alice.post(LIST_URL, new_position(), format="json").status_code == 403


def test_forbidden_create_is_403_even_with_an_invalid_body(as_mallory):
    assert as_mallory.post(LIST_URL, {}, format="json").status_code == 403


def test_hr_changes_some_required_levels_and_keeps_the_others(as_hr, position):
    response = as_hr.patch(f"{LIST_URL}{position.pk}/", {"required_levels": {"MKT": 3}}, format="json")
    assert response.status_code == 200
    levels = dict(position.required_levels.values_list("competency__code", "level"))
    assert levels["MKT"] == 3
    assert levels["CRM"] == 2


def test_hr_renames_a_position(as_hr, position):
    response = as_hr.patch(f"{LIST_URL}{position.pk}/", {"name_en": "Key account manager"}, format="json")
    assert response.json()["name_en"] == "Key account manager"
    position.refresh_from_db()
    assert position.name_en == "Key account manager"


def test_patch_refuses_a_level_outside_1_to_3(as_hr, position):
    response = as_hr.patch(f"{LIST_URL}{position.pk}/", {"required_levels": {"MKT": 0}}, format="json")
    assert response.status_code == 400
    assert RequiredLevel.objects.get(position=position, competency__code="MKT").level == 2


def test_manager_cannot_change_a_position(as_mallory, position):
    response = as_mallory.patch(f"{LIST_URL}{position.pk}/", {"name_en": "Boss"}, format="json")
    assert response.status_code == 403


def test_unknown_position_is_404(as_hr):
    assert as_hr.get(f"{LIST_URL}999999/").status_code == 404


@pytest.mark.parametrize("count", [2, 10])
def test_position_list_costs_three_queries_whatever_its_length(as_alice, track, count, django_assert_num_queries):
    for number in range(count):
        factories.position_with_requirements(track, code=f"position-{number}", level=1)
    # The count, the page with its track, and every page's required levels with their competency.
    with django_assert_num_queries(3):
        response = as_alice.get(LIST_URL)
    assert response.json()["count"] == count + 1  # Alice's own position is there too
