"""The level rule: from indicator ratings to a competency's level, with the reason why.

Pure functions over plain values, so pages, the API, reports and tests all compute the same thing.
See docs/decisions/0002-level-rule.md.

* An indicator is *demonstrated* when its rating is at least ``rule.demonstrated_at`` (2, "usually").
* A professional level is *attained* when at least ``numerator/denominator`` (two thirds) of its
  indicators are demonstrated. A level without indicators cannot be attained.
* The achieved level is the highest L such that levels 1..L are all attained; 0 when level 1 is not.
* A generic competency's degree is the mean of its indicator ratings, rounded half up (0-3).
* An unrated indicator counts as 0: it is not demonstrated and pulls a mean down.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from django.utils.translation import gettext, ngettext


@dataclass(frozen=True)
class LevelRule:
    """The thresholds of the rule, stored per cycle."""

    demonstrated_at: int = 2
    attainment_numerator: int = 2
    attainment_denominator: int = 3

    def is_attained(self, demonstrated: int, total: int) -> bool:
        """At least numerator/denominator of `total`, compared in integers so 2/3 of 6 is exactly 4."""
        return total > 0 and demonstrated * self.attainment_denominator >= self.attainment_numerator * total


@dataclass(frozen=True)
class IndicatorScore:
    """One indicator's rating as the rule sees it."""

    code: str
    level: int | None
    score: int | None


@dataclass(frozen=True)
class LevelCheck:
    """How one professional level fared."""

    number: int
    demonstrated: int
    total: int
    is_attained: bool
    missing: tuple[str, ...]


@dataclass(frozen=True)
class LevelResult:
    """A competency's computed level or degree and the reason for it."""

    level: int
    is_generic: bool
    checks: tuple[LevelCheck, ...] = ()
    mean: Fraction | None = None
    rated: int = 0
    total: int = 0
    blocked_by: tuple[str, ...] = field(default=())

    @property
    def blocked_level(self) -> int | None:
        """The first level not attained, if any."""
        for check in self.checks:
            if not check.is_attained:
                return check.number
        return None

    @property
    def reason(self) -> str:
        """One sentence in the active language, e.g. "level 2 attained; level 3 blocked by MKT-3-02"."""
        if self.is_generic:
            mean = float(self.mean or 0)
            return gettext("mean rating %(mean).2f over %(total)d indicators, rounded to degree %(level)d") % {
                "mean": mean,
                "total": self.total,
                "level": self.level,
            }
        blocked = self.blocked_level
        if blocked is None and self.checks:
            return ngettext("the only level attained", "all %(count)d levels attained", len(self.checks)) % {
                "count": len(self.checks)
            }
        parts = []
        if self.level:
            parts.append(gettext("level %(level)d attained") % {"level": self.level})
        else:
            parts.append(gettext("no level attained"))
        if blocked is not None:
            if self.blocked_by:
                parts.append(
                    gettext("level %(level)d blocked by %(codes)s")
                    % {"level": blocked, "codes": ", ".join(self.blocked_by)}
                )
            else:
                parts.append(gettext("level %(level)d has no indicators") % {"level": blocked})
        return "; ".join(parts)


def _is_demonstrated(score: int | None, rule: LevelRule) -> bool:
    return score is not None and score >= rule.demonstrated_at


def professional_level(scores: Iterable[IndicatorScore], rule: LevelRule = LevelRule()) -> LevelResult:
    """The highest level L such that levels 1..L are all attained, with what blocks the next one."""
    by_level: dict[int, list[IndicatorScore]] = {}
    for item in scores:
        if item.level is None:
            raise ValueError(f"{item.code} has no level: use generic_degree for generic competencies")
        by_level.setdefault(item.level, []).append(item)
    checks = []
    for number in range(1, max(by_level, default=0) + 1):
        items = by_level.get(number, [])
        missing = tuple(i.code for i in items if not _is_demonstrated(i.score, rule))
        demonstrated = len(items) - len(missing)
        checks.append(LevelCheck(number, demonstrated, len(items), rule.is_attained(demonstrated, len(items)), missing))
    achieved = 0
    for check in checks:
        if not check.is_attained:
            break
        achieved = check.number
    blocked_by = checks[achieved].missing if achieved < len(checks) else ()
    return LevelResult(level=achieved, is_generic=False, checks=tuple(checks), blocked_by=blocked_by)


def generic_degree(scores: Sequence[IndicatorScore]) -> LevelResult:
    """The mean rating rounded half up (2.5 -> 3), unrated counting as 0."""
    total = len(scores)
    if total == 0:
        return LevelResult(level=0, is_generic=True, mean=Fraction(0), total=0)
    points = sum(item.score or 0 for item in scores)
    mean = Fraction(points, total)
    # Half up in integers: floor(mean + 1/2) = floor((2 * points + total) / (2 * total)).
    degree = (2 * points + total) // (2 * total)
    rated = sum(1 for item in scores if item.score is not None)
    return LevelResult(level=degree, is_generic=True, mean=mean, rated=rated, total=total)


def competency_level(
    scores: Sequence[IndicatorScore], *, is_generic: bool, rule: LevelRule = LevelRule()
) -> LevelResult:
    """Dispatch to the professional or the generic rule."""
    return generic_degree(scores) if is_generic else professional_level(scores, rule)
