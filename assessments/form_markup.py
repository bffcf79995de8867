"""The rating form's indicator fieldsets, written straight to HTML.

A cycle's form has 122 indicators of four choices each. Through the template engine that one loop was
most of the page's time (about 80 of 105 ms with 10,000 employees loaded), so the repeated fieldset is
assembled here with the markup the template had, every value escaped, and the template only places it.
See docs/decisions/0007-rating-form-markup.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from assessments.views import FormItem


@dataclass(frozen=True)
class FieldsetWords:
    """The translated words every fieldset repeats, looked up and escaped once per page."""

    drafted: str
    note_summary: str
    evidence_for: str
    not_rated: str
    their_rating: str
    choices: tuple[tuple[int, str], ...]

    @property
    def labels(self) -> dict[int, str]:
        return dict(self.choices)

    @classmethod
    def for_page(cls, *, choices: Iterable[tuple[int, Any]], employee_name: str) -> FieldsetWords:
        return cls(
            drafted=escape(_("Drafted")),
            note_summary=escape(_("Evidence note (optional)")),
            # Filled per indicator; the code is escaped where it is put in.
            evidence_for=escape(_("Evidence for %(code)s")),
            not_rated=escape(_("Not rated")),
            their_rating=escape(_("%(name)s's own rating") % {"name": employee_name}),
            choices=tuple((value, escape(str(label))) for value, label in choices),
        )


def fieldsets(
    items: Sequence[FormItem], *, words: FieldsetWords, can_rate: bool, shows_counterpart: bool
) -> SafeString:
    """The fieldsets of a group of indicators, in order."""
    # Safe: every value that is not our own markup went through escape() in _fieldset.
    # The score labels are the page's escaped choices, not one lazy translation per indicator.
    labels = words.labels
    markup = "".join(_fieldset(item, words, labels, can_rate, shows_counterpart) for item in items)
    return mark_safe(markup)  # noqa: S308


def _fieldset(
    item: FormItem, words: FieldsetWords, labels: dict[int, str], can_rate: bool, shows_counterpart: bool
) -> str:
    code = escape(item.code)
    indicator = item.indicator
    errors = item.errors
    parts = [
        f'<fieldset class="indicator{" has-error" if errors else ""}" id="ind-{code}" data-code="{code}"',
        f' aria-describedby="err-{code}">' if errors else ">",
        f'<legend><span class="code">{code}</span> {escape(indicator.text)}',
        f' <span class="badge drafted">{words.drafted}</span>' if indicator.is_drafted else "",
        "</legend>",
    ]
    if errors:
        parts.append(f'<ul class="errorlist" id="err-{code}">')
        parts.extend(f"<li>{escape(str(error))}</li>" for error in errors)
        parts.append("</ul>")
    parts.append(f'<p class="errorlist js-error" id="js-err-{code}" hidden></p>')
    parts.append(f'<div class="indicator-body{" with-beside" if shows_counterpart else ""}"><div>')
    if can_rate:
        parts.append('<div class="scale">')
        for value, label in words.choices:
            checked = " checked" if value == item.score else ""
            parts.append(
                f'<label class="choice"><input type="radio" name="score-{code}" value="{value}"{checked}>'
                f'<span class="choice-body"><span class="choice-value">{value}</span>'
                f'<span class="choice-label">{label}</span></span></label>'
            )
        parts.append("</div>")
        parts.append(
            f'<details class="note-field"{" open" if item.note else ""}><summary>{words.note_summary}</summary>'
            f'<label for="note-{code}">{words.evidence_for % {"code": code}}</label>'
            f'<textarea id="note-{code}" name="note-{code}" rows="2" maxlength="4000">{escape(item.note)}</textarea>'
            "</details>"
        )
    else:
        if item.score is not None:
            score = f'<span class="score-dot">{item.score}</span> {labels[item.score]}'
        else:
            score = f'<span class="score-dot none">–</span> {words.not_rated}'
        parts.append(f'<span class="read-score">{score}</span>')
        if item.note:
            parts.append(f'<p class="read-note">{escape(item.note)}</p>')
    parts.append("</div>")
    if shows_counterpart:
        differs = " differs" if item.their_score != item.score and item.score is not None else ""
        theirs = words.not_rated if item.their_score is None else f"{item.their_score} · {labels[item.their_score]}"
        parts.append(
            f'<aside class="beside{differs}" aria-label="{words.their_rating}">'
            f'<span class="label">{words.their_rating}</span><span class="value">{theirs}</span>'
        )
        if item.their_note:
            parts.append(f'<p class="read-note">{escape(item.their_note)}</p>')
        parts.append("</aside>")
    parts.append("</div></fieldset>")
    return "".join(parts)
