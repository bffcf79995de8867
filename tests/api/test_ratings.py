"""Saving ratings in one request: version checked, every bad rating reported by its indicator code."""

import pytest

from assessments import services
from assessments.models import Assessment, AssessmentEvent, Rating
from tests import factories

pytestmark = pytest.mark.django_db


def ratings_url(assessment):
    return f"/api/v1/assessments/{assessment.pk}/ratings/"


def saved(assessment):
    return {r.indicator.code: (r.score, r.note) for r in Rating.objects.filter(assessment=assessment)}


def test_rater_saves_several_ratings_in_one_request(as_alice, self_assessment):
    body = {
        "version": 0,
        "ratings": {"MKT-1-01": {"score": 2, "note": "Monthly market notes"}, "COMM-04": {"score": 3, "note": ""}},
    }
    response = as_alice.put(ratings_url(self_assessment), body, format="json")
    assert response.status_code == 200
    assert saved(self_assessment) == {"MKT-1-01": (2, "Monthly market notes"), "COMM-04": (3, "")}


def test_saving_returns_the_new_version(as_alice, self_assessment):
    body = {"version": 0, "ratings": {"MKT-1-01": {"score": 2, "note": ""}}}
    assert as_alice.put(ratings_url(self_assessment), body, format="json").json()["version"] == 1


def test_a_score_can_be_cleared_with_null(as_alice, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user)
    body = {"version": 1, "ratings": {"MKT-1-01": {"score": None, "note": ""}}}
    as_alice.put(ratings_url(self_assessment), body, format="json")
    assert saved(self_assessment)["MKT-1-01"] == (None, "")


def test_manager_rates_their_report(as_mallory, manager_assessment):
    body = {"version": 0, "ratings": {"SALES-2-07": {"score": 1, "note": "Not yet seen"}}}
    assert as_mallory.put(ratings_url(manager_assessment), body, format="json").status_code == 200
    assert saved(manager_assessment) == {"SALES-2-07": (1, "Not yet seen")}


def test_stale_version_is_409_with_the_current_version(as_alice, self_assessment):
    first = {"version": 0, "ratings": {"MKT-1-01": {"score": 2, "note": ""}}}
    as_alice.put(ratings_url(self_assessment), first, format="json")
    second = {"version": 0, "ratings": {"MKT-1-01": {"score": 0, "note": "from another tab"}}}
    response = as_alice.put(ratings_url(self_assessment), second, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 1
    assert "changed elsewhere" in response.json()["detail"]


def test_stale_write_changes_nothing(as_alice, self_assessment):
    as_alice.put(
        ratings_url(self_assessment), {"version": 0, "ratings": {"MKT-1-01": {"score": 2, "note": ""}}}, format="json"
    )
    as_alice.put(
        ratings_url(self_assessment), {"version": 0, "ratings": {"MKT-1-01": {"score": 0, "note": "x"}}}, format="json"
    )
    assert saved(self_assessment) == {"MKT-1-01": (2, "")}
    assert Assessment.objects.get(pk=self_assessment.pk).version == 1


def test_unknown_indicator_is_a_400_keyed_by_its_code(as_alice, self_assessment):
    body = {"version": 0, "ratings": {"MKT-9-99": {"score": 2, "note": ""}, "MKT-1-01": {"score": 2, "note": ""}}}
    response = as_alice.put(ratings_url(self_assessment), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"MKT-9-99": ["MKT-9-99 is not an indicator of this cycle."]}
    assert saved(self_assessment) == {}


def test_every_bad_rating_is_reported_under_its_own_code(as_alice, self_assessment):
    body = {"version": 0, "ratings": {"MKT-1-01": {"score": 4, "note": ""}, "MKT-1-02": {"score": 1}}}
    response = as_alice.put(ratings_url(self_assessment), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"MKT-1-01": ['"4" is not a valid choice.'], "MKT-1-02": ["This field is required."]}


def test_a_note_longer_than_4000_characters_is_a_400(as_alice, self_assessment):
    body = {"version": 0, "ratings": {"MKT-1-01": {"score": 2, "note": "x" * 4001}}}
    response = as_alice.put(ratings_url(self_assessment), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["MKT-1-01"]


def test_a_missing_version_is_a_400(as_alice, self_assessment):
    response = as_alice.put(ratings_url(self_assessment), {"ratings": {}}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()


def test_saving_is_recorded_in_the_audit_trail(as_alice, self_assessment):
    body = {"version": 0, "ratings": {"MKT-1-01": {"score": 2, "note": ""}}}
    as_alice.put(ratings_url(self_assessment), body, format="json")
    event = AssessmentEvent.objects.get(assessment=self_assessment)
    assert (event.action, event.detail, event.actor.username) == ("saved", "MKT-1-01", "alice")


def test_employee_cannot_rate_their_managers_draft_they_cannot_see(as_alice, manager_assessment):
    body = {"version": 0, "ratings": {"MKT-1-01": {"score": 3, "note": ""}}}
    assert as_alice.put(ratings_url(manager_assessment), body, format="json").status_code == 404


def test_hr_cannot_rate_although_they_see_the_assessment(as_hr, self_assessment):
    body = {"version": 0, "ratings": {"MKT-1-01": {"score": 3, "note": ""}}}
    assert as_hr.put(ratings_url(self_assessment), body, format="json").status_code == 403


def test_forbidden_rating_is_403_even_with_an_invalid_body(as_hr, self_assessment):
    assert as_hr.put(ratings_url(self_assessment), {"ratings": "nonsense"}, format="json").status_code == 403


def test_a_submitted_assessment_cannot_be_rated(as_alice, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user, submit=True)
    body = {"version": 2, "ratings": {"MKT-1-01": {"score": 0, "note": ""}}}
    assert as_alice.put(ratings_url(self_assessment), body, format="json").status_code == 403


def test_nothing_can_be_rated_in_a_closed_cycle(as_alice, hr, cycle, self_assessment):
    services.close_cycle(cycle=cycle, closed_by=hr)
    body = {"version": 0, "ratings": {"MKT-1-01": {"score": 2, "note": ""}}}
    assert as_alice.put(ratings_url(self_assessment), body, format="json").status_code == 403
