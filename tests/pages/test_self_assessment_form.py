"""The self-assessment form: every indicator to rate, saved as you go, and readable by screen readers."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, Rating
from competency.models import CareerStage
from tests import factories
from tests.pages.conftest import form_url, fresh

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def save(client, assessment, data, **headers):
    return client.post(form_url(assessment), {"version": fresh(assessment).version, **data}, **headers)


# What the page shows -------------------------------------------------------------------------


def test_the_form_offers_every_indicator_of_the_cycle(as_alice, self_assessment):
    page = as_alice.get(form_url(self_assessment)).content.decode()
    assert page.count('<fieldset class="indicator') == 122


def test_each_indicator_is_a_fieldset_whose_legend_names_it(as_alice, self_assessment):
    page = as_alice.get(form_url(self_assessment)).content.decode()
    item = page.split('id="ind-MKT-1-01"', 1)[1].split("</fieldset>", 1)[0]
    assert '<legend><span class="code">MKT-1-01</span>' in item


def test_each_score_is_a_labelled_radio_button(as_alice, self_assessment):
    page = as_alice.get(form_url(self_assessment), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    item = page.split('id="ind-COMM-01"', 1)[1].split("</fieldset>", 1)[0]
    assert item.count('<label class="choice"><input type="radio" name="score-COMM-01"') == 4
    for label in ("Not yet shown", "Sometimes", "Usually", "Consistently"):
        assert f'<span class="choice-label">{label}</span>' in item


def test_the_evidence_note_has_its_own_label(as_alice, self_assessment):
    page = as_alice.get(form_url(self_assessment)).content.decode()
    assert '<label for="note-COMM-01">' in page


def test_every_drafted_indicator_carries_the_badge(as_alice, self_assessment):
    page = as_alice.get(form_url(self_assessment)).content.decode()
    legends = [part.split("</legend>", 1)[0] for part in page.split("<legend>")[1:]]
    assert sum("badge drafted" in legend for legend in legends) == 7


def test_indicator_texts_are_in_the_readers_language(as_alice, self_assessment):
    chinese = as_alice.get(form_url(self_assessment), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = as_alice.get(form_url(self_assessment), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="code">COMM-01</span> 喜欢与他人沟通' in chinese
    assert '<span class="code">COMM-01</span> Enjoys communicating with others' in english


def test_generic_competencies_come_before_professional_ones(as_alice, self_assessment):
    page = as_alice.get(form_url(self_assessment)).content.decode()
    assert page.index('id="c-COORD"') < page.index('id="c-MKT"')


def test_professional_indicators_are_grouped_by_level_with_the_career_stage(as_alice, self_assessment):
    page = as_alice.get(form_url(self_assessment), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = page.split('id="c-MKT"', 1)[1].split("</section>", 1)[0]
    assert 'Level 1 <span class="meta">· Learning and development</span>' in section
    assert "Team contribution + Team vision" in section


def test_level_headings_keep_the_career_stages_the_cycle_opened_with(as_alice, self_assessment):
    CareerStage.objects.filter(number=1).update(name_en="Starting out")
    page = as_alice.get(form_url(self_assessment), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "· Learning and development</span>" in page and "Starting out" not in page


def test_the_page_shows_the_progress_so_far(as_alice, self_assessment, employee):
    save(as_alice, self_assessment, {"score-COMM-01": "2", "note-COMM-01": ""})
    assert "1 / 122 rated" in as_alice.get(form_url(self_assessment)).content.decode()


def test_saved_scores_and_notes_are_shown_when_the_form_is_opened_again(as_alice, self_assessment):
    save(as_alice, self_assessment, {"score-COMM-01": "3", "note-COMM-01": "Ran the kickoff"})
    page = as_alice.get(form_url(self_assessment)).content.decode()
    assert 'name="score-COMM-01" value="3" checked' in page
    assert ">Ran the kickoff</textarea>" in page


def test_the_form_works_without_javascript_through_its_save_button(as_alice, self_assessment):
    page = as_alice.get(form_url(self_assessment)).content.decode()
    assert 'method="post"' in page
    assert '<button type="submit" name="action" value="save"' in page


# Who may open it -----------------------------------------------------------------------------


def test_another_employees_form_is_not_found(as_bob, self_assessment):
    assert as_bob.get(form_url(self_assessment)).status_code == 404


def test_the_manager_cannot_open_a_self_assessment_still_in_draft(as_mallory, self_assessment):
    assert as_mallory.get(form_url(self_assessment)).status_code == 404


def test_the_manager_reads_the_self_assessment_once_submitted(as_mallory, submitted_self):
    page = as_mallory.get(form_url(submitted_self)).content.decode()
    assert 'id="rating-form"' not in page
    assert '<span class="score-dot">2</span>' in page


def test_a_read_only_rating_shows_the_label_of_its_score(as_mallory, submitted_self):
    page = as_mallory.get(form_url(submitted_self), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="score-dot">2</span> Usually' in page


def test_hr_reads_a_draft_without_being_able_to_change_it(as_hr, self_assessment):
    page = as_hr.get(form_url(self_assessment)).content.decode()
    assert 'id="rating-form"' not in page


def test_hr_cannot_write_someone_elses_ratings(as_hr, self_assessment):
    response = save(as_hr, self_assessment, {"score-COMM-01": "2", "note-COMM-01": ""})
    assert response.status_code == 403


def test_hr_is_refused_in_json_when_saving_from_the_page_script(as_hr, self_assessment):
    response = save(as_hr, self_assessment, {"score-COMM-01": "2", "note-COMM-01": ""}, **JSON)
    assert (response.status_code, response["Content-Type"]) == (403, "application/json")


def test_a_submitted_self_assessment_is_read_only_for_its_owner(as_alice, submitted_self):
    page = as_alice.get(form_url(submitted_self)).content.decode()
    assert 'id="rating-form"' not in page
    assert 'class="status submitted"' in page


# Saving as you go ----------------------------------------------------------------------------


def test_a_change_sent_by_the_page_script_is_saved(as_alice, self_assessment):
    save(as_alice, self_assessment, {"score-COMM-02": "1", "note-COMM-02": "Shy at first"}, **JSON)
    rating = Rating.objects.get(assessment=self_assessment, indicator__code="COMM-02")
    assert (rating.score, rating.note) == (1, "Shy at first")


def test_the_script_gets_the_new_version_and_the_time_saved(as_alice, self_assessment):
    response = save(as_alice, self_assessment, {"score-COMM-01": "2", "note-COMM-01": ""}, **JSON)
    data = json.loads(response.content)
    assert data["version"] == fresh(self_assessment).version
    assert data["saved_at"]
    assert data["message"] == f"Saved at {data['saved_at_display']}"


def test_saving_one_indicator_leaves_the_others_alone(as_alice, self_assessment):
    save(as_alice, self_assessment, {"score-COMM-01": "3", "note-COMM-01": ""}, **JSON)
    save(as_alice, self_assessment, {"score-COMM-02": "1", "note-COMM-02": ""}, **JSON)
    assert Rating.objects.get(assessment=self_assessment, indicator__code="COMM-01").score == 3


def test_clearing_a_score_stores_no_score(as_alice, self_assessment):
    save(as_alice, self_assessment, {"score-COMM-01": "3", "note-COMM-01": ""}, **JSON)
    save(as_alice, self_assessment, {"score-COMM-01": "", "note-COMM-01": "not sure yet"}, **JSON)
    assert Rating.objects.get(assessment=self_assessment, indicator__code="COMM-01").score is None


def test_a_write_based_on_an_old_version_is_refused_with_409(as_alice, self_assessment):
    old = fresh(self_assessment).version
    save(as_alice, self_assessment, {"score-COMM-01": "3", "note-COMM-01": ""}, **JSON)
    response = as_alice.post(
        form_url(self_assessment), {"version": old, "score-COMM-01": "0", "note-COMM-01": ""}, **JSON
    )
    assert response.status_code == 409
    assert "changed elsewhere" in json.loads(response.content)["error"]


def test_a_stale_write_changes_nothing(as_alice, self_assessment):
    old = fresh(self_assessment).version
    save(as_alice, self_assessment, {"score-COMM-01": "3", "note-COMM-01": ""}, **JSON)
    as_alice.post(form_url(self_assessment), {"version": old, "score-COMM-01": "0", "note-COMM-01": ""}, **JSON)
    assert Rating.objects.get(assessment=self_assessment, indicator__code="COMM-01").score == 3


def test_a_stale_write_without_javascript_shows_the_message_and_keeps_the_input(as_alice, self_assessment):
    old = fresh(self_assessment).version
    save(as_alice, self_assessment, {"score-COMM-01": "3", "note-COMM-01": ""}, **JSON)
    response = as_alice.post(
        form_url(self_assessment), {"version": old, "score-COMM-01": "0", "note-COMM-01": "my words"}
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert 'id="form-error"' in page
    assert ">my words</textarea>" in page


def test_a_score_outside_the_scale_is_refused_with_the_error_for_that_indicator(as_alice, self_assessment):
    response = save(as_alice, self_assessment, {"score-COMM-01": "7", "note-COMM-01": ""}, **JSON)
    assert response.status_code == 400
    assert list(json.loads(response.content)["errors"]) == ["COMM-01"]


def test_bad_input_without_javascript_is_shown_next_to_its_indicator(as_alice, self_assessment):
    response = save(as_alice, self_assessment, {"score-COMM-01": "7", "note-COMM-01": ""})
    item = response.content.decode().split('id="ind-COMM-01"', 1)[1].split("</fieldset>", 1)[0]
    assert 'class="errorlist" id="err-COMM-01"' in item


def test_an_unknown_indicator_code_is_refused(as_alice, self_assessment):
    response = save(as_alice, self_assessment, {"score-NOPE-01": "2", "note-NOPE-01": ""}, **JSON)
    assert list(json.loads(response.content)["errors"]) == ["NOPE-01"]


def test_saving_without_javascript_stores_every_indicator_and_returns_to_the_form(as_alice, self_assessment):
    response = save(
        as_alice, self_assessment, {"score-COMM-01": "2", "note-COMM-01": "", "score-COMM-02": "3", "note-COMM-02": ""}
    )
    assert response.url == form_url(self_assessment)
    assert Rating.objects.filter(assessment=self_assessment, score__isnull=False).count() == 2


def test_saving_without_javascript_says_when_it_was_saved(as_alice, self_assessment):
    response = save(as_alice, self_assessment, {"score-COMM-01": "2", "note-COMM-01": ""}, follow=True)
    assert "Saved at" in response.content.decode()


def test_the_submit_button_without_javascript_saves_then_asks_for_confirmation(as_alice, self_assessment):
    response = save(as_alice, self_assessment, {"score-COMM-01": "2", "note-COMM-01": "", "action": "submit"})
    assert response.url == reverse("assessment_submit", args=[self_assessment.pk])


def test_nothing_can_be_saved_once_the_cycle_is_closed(as_alice, self_assessment, cycle, hr):
    services.close_cycle(cycle=cycle, closed_by=hr)
    response = save(as_alice, self_assessment, {"score-COMM-01": "2", "note-COMM-01": ""}, **JSON)
    assert response.status_code == 403


# Query budget --------------------------------------------------------------------------------

# Session, user, the assessment (with cycle, people and counterpart), indicators with ratings,
# required levels and the career stages pinned with them.
FORM_QUERIES = 4


def test_the_empty_form_costs_at_most_four_queries(as_alice, self_assessment, django_assert_max_num_queries):
    with django_assert_max_num_queries(FORM_QUERIES):
        as_alice.get(form_url(self_assessment))


def test_the_fully_rated_form_costs_the_same_queries(as_alice, self_assessment, employee, django_assert_num_queries):
    factories.rate_all(self_assessment, employee.user, 2)
    with django_assert_num_queries(FORM_QUERIES):
        as_alice.get(form_url(self_assessment))


def test_another_participants_ratings_do_not_change_the_query_count(
    as_alice, self_assessment, django_assert_num_queries
):
    other = Assessment.objects.get(cycle=self_assessment.cycle, employee__name="Bob", kind=Assessment.Kind.SELF)
    factories.rate_all(other, other.employee.user, 3)
    with django_assert_num_queries(FORM_QUERIES):
        as_alice.get(form_url(self_assessment))
