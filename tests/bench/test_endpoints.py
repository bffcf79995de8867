"""The benchmark's list of requests and the people it signs in as."""

from __future__ import annotations

from bench import endpoints
from bench.endpoints import ENDPOINTS, benchmark_cycle, find_subjects, indicator_codes, ratings_payload


def test_every_benchmarked_url_exists_in_this_checkout():
    assert [e.name for e in ENDPOINTS if not e.exists()] == []


def test_each_employee_subject_rates_a_draft_of_their_own(org):
    subjects = find_subjects(benchmark_cycle(), 2)["employee"]
    assert len({s.assessment for s in subjects}) == len(subjects) == 2


def test_each_manager_subject_is_a_different_manager_with_a_draft_to_rate(org):
    subjects = find_subjects(benchmark_cycle(), 2)["manager"]
    assert len({s.username for s in subjects}) == len({s.assessment for s in subjects}) == 2


def test_a_full_save_rates_every_indicator_of_the_cycle(org):
    codes = indicator_codes(benchmark_cycle())
    payload = ratings_payload(codes, version=1, round_number=1, as_json=True)
    assert sorted(payload["ratings"]) == sorted(codes)


def test_consecutive_saves_send_different_scores(org):
    codes = indicator_codes(benchmark_cycle())
    first = ratings_payload(codes, version=1, round_number=1, as_json=True)["ratings"]
    second = ratings_payload(codes, version=2, round_number=2, as_json=True)["ratings"]
    assert all(first[code]["score"] != second[code]["score"] for code in codes)


def test_endpoints_by_name_picks_those_containing_a_word():
    assert {e.url_name for e in endpoints.by_name(["Heatmap"])} == {"reports:heatmap"}
