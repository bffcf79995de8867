"""The competency model over the API: every competency of a track in one answer."""

import pytest

from competency.models import Competency

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/competencies/"


def test_the_list_holds_every_competency_with_levels_and_indicators(as_alice, track):
    body = as_alice.get(LIST_URL).json()
    assert [c["code"] for c in body] == ["COMM", "LOGIC", "COORD", "MKT", "PROD", "CRM", "SALES"]
    market = next(c for c in body if c["code"] == "MKT")
    assert [level["number"] for level in market["levels"]] == [1, 2, 3]
    assert all(level["indicators"] for level in market["levels"])
    communication = next(c for c in body if c["code"] == "COMM")
    assert communication["levels"] == [] and communication["indicators"]


def test_the_list_filters_by_kind(as_alice, track):
    body = as_alice.get(LIST_URL, {"kind": "generic"}).json()
    assert [c["code"] for c in body] == ["COMM", "LOGIC", "COORD"]


@pytest.mark.parametrize("kind", ["generic", ""])
def test_the_list_costs_at_most_four_queries_whatever_its_length(as_alice, track, kind, django_assert_max_num_queries):
    expected = Competency.objects.filter(kind=kind).count() if kind else Competency.objects.count()
    # Competencies, their levels, the levels' career stages, the indicators (no stages when there are no levels).
    with django_assert_max_num_queries(4):
        body = as_alice.get(LIST_URL, {"kind": kind} if kind else {}).json()
    assert len(body) == expected
