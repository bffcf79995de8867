"""The level rule on plain values: boundaries, unrated indicators, rounding and its stated reason."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st

from assessments.levels import IndicatorScore, LevelRule, competency_level, generic_degree, professional_level


def level_items(level: int, scores: Sequence[int | None], prefix: str = "MKT") -> list[IndicatorScore]:
    """Indicators of one level with codes like MKT-2-03, scored in order."""
    return [IndicatorScore(f"{prefix}-{level}-{n:02d}", level, score) for n, score in enumerate(scores, start=1)]


def generic_items(scores: Sequence[int | None]) -> list[IndicatorScore]:
    return [IndicatorScore(f"COMM-{n:02d}", None, score) for n, score in enumerate(scores, start=1)]


def demonstrated(count: int, total: int) -> list[int]:
    """`count` indicators rated 2 and the rest rated 1."""
    return [2] * count + [1] * (total - count)


# Exactly two thirds --------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "needed"), [(3, 2), (6, 4), (7, 5), (11, 8)])
def test_level_is_attained_with_exactly_two_thirds_rounded_up(total, needed):
    assert professional_level(level_items(1, demonstrated(needed, total))).level == 1


@pytest.mark.parametrize(("total", "needed"), [(3, 2), (6, 4), (7, 5), (11, 8)])
def test_level_is_not_attained_one_indicator_short_of_two_thirds(total, needed):
    assert professional_level(level_items(1, demonstrated(needed - 1, total))).level == 0


def test_rating_of_one_does_not_demonstrate_an_indicator():
    assert professional_level(level_items(1, [1, 1, 1])).checks[0].demonstrated == 0


def test_unrated_indicator_counts_as_not_demonstrated():
    assert professional_level(level_items(1, [2, None, None])).level == 0


def test_unrated_indicators_are_named_among_the_missing():
    result = professional_level(level_items(1, [2, 2, None]))
    assert result.checks[0].missing == ("MKT-1-03",)


# Levels build on each other ------------------------------------------------------------------


def test_all_three_levels_attained_gives_level_three():
    scores = level_items(1, [3, 3, 3]) + level_items(2, [2, 2, 2]) + level_items(3, [2, 2, 0])
    assert professional_level(scores).level == 3


def test_level_two_attained_without_level_one_gives_zero():
    scores = level_items(1, [0, 0, 2]) + level_items(2, [3, 3, 3])
    assert professional_level(scores).level == 0


def test_level_three_attained_without_level_two_stops_at_one():
    scores = level_items(1, [2, 2, 2]) + level_items(2, [0, 0, 0]) + level_items(3, [3, 3, 3])
    assert professional_level(scores).level == 1


def test_level_without_indicators_cannot_be_attained():
    scores = level_items(1, [2, 2, 2]) + level_items(3, [3, 3, 3])
    result = professional_level(scores)
    assert (result.level, result.checks[1].total, result.checks[1].is_attained) == (1, 0, False)


def test_competency_without_any_indicators_is_level_zero():
    assert professional_level([]).level == 0


def test_generic_indicator_in_a_professional_competency_is_refused():
    with pytest.raises(ValueError, match="COMM-01"):
        professional_level(generic_items([2]))


# Generic degree ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "degree"),
    [
        ([1, 2], 2),  # 1.5
        ([2, 3], 3),  # 2.5
        ([1] * 51 + [2] * 49, 1),  # 1.49
        ([0, 1], 1),  # 0.5
        ([3, 3, 3], 3),
        ([0, 0, 0], 0),
    ],
)
def test_generic_degree_is_the_mean_rounded_half_up(scores, degree):
    assert generic_degree(generic_items(scores)).level == degree


def test_generic_mean_is_kept_exact():
    assert generic_degree(generic_items([1] * 51 + [2] * 49)).mean == Fraction(149, 100)


def test_unrated_generic_indicator_counts_as_zero():
    result = generic_degree(generic_items([3, None]))
    assert (result.mean, result.level, result.rated, result.total) == (Fraction(3, 2), 2, 1, 2)


def test_generic_competency_without_indicators_is_degree_zero():
    assert generic_degree([]).level == 0


def test_competency_level_uses_the_mean_for_generic_competencies():
    assert competency_level(generic_items([1, 2]), is_generic=True).level == 2


# Custom thresholds ---------------------------------------------------------------------------


def test_stricter_demonstration_threshold_needs_consistent_ratings():
    rule = LevelRule(demonstrated_at=3)
    assert professional_level(level_items(1, [2, 2, 2]), rule).level == 0


def test_three_quarters_share_needs_three_of_four():
    rule = LevelRule(attainment_numerator=3, attainment_denominator=4)
    results = [professional_level(level_items(1, demonstrated(n, 4)), rule).level for n in (2, 3)]
    assert results == [0, 1]


def test_all_indicators_share_needs_every_one():
    rule = LevelRule(attainment_numerator=1, attainment_denominator=1)
    assert professional_level(level_items(1, [3, 3, 3, 3, 3, 1]), rule).level == 0


def test_competency_level_passes_the_rule_to_professional_competencies():
    rule = LevelRule(demonstrated_at=1)
    assert competency_level(level_items(1, [1, 1, 1]), is_generic=False, rule=rule).level == 1


# The reason ----------------------------------------------------------------------------------


def test_reason_lists_the_codes_that_block_the_next_level():
    scores = level_items(1, [2, 2, 2]) + level_items(2, [2, 0, None, 1, 2, 2])
    with translation.override("en"):
        assert professional_level(scores).reason == "level 1 attained; level 2 blocked by MKT-2-02, MKT-2-03, MKT-2-04"


def test_reason_says_when_no_level_is_attained():
    with translation.override("en"):
        assert professional_level(level_items(1, [0, 0, 2])).reason == (
            "no level attained; level 1 blocked by MKT-1-01, MKT-1-02"
        )


def test_reason_says_when_a_level_has_no_indicators():
    scores = level_items(1, [2, 2, 2]) + level_items(3, [3, 3, 3])
    with translation.override("en"):
        assert professional_level(scores).reason == "level 1 attained; level 2 has no indicators"


def test_reason_says_when_every_level_is_attained():
    scores = level_items(1, [2, 2, 2]) + level_items(2, [2, 2, 2]) + level_items(3, [2, 2, 2])
    with translation.override("en"):
        assert professional_level(scores).reason == "all 3 levels attained"


def test_generic_reason_states_the_mean_and_the_degree():
    with translation.override("en"):
        assert generic_degree(generic_items([1, 2])).reason == (
            "mean rating 1.50 over 2 indicators, rounded to degree 2"
        )


# Properties ----------------------------------------------------------------------------------

score = st.one_of(st.none(), st.integers(min_value=0, max_value=3))
levels = st.lists(st.lists(score, min_size=0, max_size=12), min_size=1, max_size=3)


def _rule(demonstrated_at: int, denominator: int, numerator: int) -> LevelRule:
    # The database refuses a share above one, so the strategy never builds one either.
    return LevelRule(demonstrated_at, min(numerator, denominator), denominator)


rules = st.builds(
    _rule,
    st.integers(min_value=1, max_value=3),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=6),
)


def items_for(per_level: list[list[int | None]]) -> list[IndicatorScore]:
    return [item for number, scores in enumerate(per_level, start=1) for item in level_items(number, scores)]


@given(per_level=levels, rule=rules, data=st.data())
def test_raising_one_rating_never_lowers_the_level(per_level, rule, data):
    items = items_for(per_level)
    assume(items)
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    old = items[index]
    new_score = data.draw(st.integers(min_value=old.score or 0, max_value=3))
    raised = [*items[:index], IndicatorScore(old.code, old.level, new_score), *items[index + 1 :]]
    assert professional_level(raised, rule).level >= professional_level(items, rule).level


@given(per_level=levels, rule=rules)
def test_achieved_level_means_every_lower_level_is_attained(per_level, rule):
    result = professional_level(items_for(per_level), rule)
    assert all(check.is_attained for check in result.checks if check.number <= result.level)


@given(per_level=levels, rule=rules)
def test_level_above_the_achieved_one_is_the_first_not_attained(per_level, rule):
    result = professional_level(items_for(per_level), rule)
    assert result.blocked_level in (None, result.level + 1)


@given(scores=st.lists(score, min_size=1, max_size=40))
def test_generic_degree_stays_within_the_scale(scores):
    assert 0 <= generic_degree(generic_items(scores)).level <= 3


@given(scores=st.lists(score, min_size=1, max_size=40))
def test_generic_degree_is_within_half_a_point_of_the_mean(scores):
    result = generic_degree(generic_items(scores))
    mean = Fraction(sum(s or 0 for s in scores), len(scores))
    assert abs(result.level - mean) <= Fraction(1, 2)
