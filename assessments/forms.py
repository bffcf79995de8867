"""Forms of the portal's pages: they parse and check input, the services decide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Department, Employee, Position, Rating
from assessments.services import MAX_NOTE_LENGTH, RatingInput
from competency.models import Track

SCORE_PREFIX = "score-"
NOTE_PREFIX = "note-"


def codes_in(data: Any) -> list[str]:
    """Indicator codes that have a score or a note field in the posted data, in posted order."""
    codes: dict[str, None] = {}
    for key in data:
        for prefix in (SCORE_PREFIX, NOTE_PREFIX):
            if key.startswith(prefix) and len(key) > len(prefix):
                codes[key[len(prefix) :]] = None
    return list(codes)


class RatingsForm(forms.Form):
    """Some or all ratings of an assessment, plus the version they were based on.

    Only the indicators present in the data get fields, so the page can save one change at a time.
    """

    version = forms.IntegerField(min_value=0)

    def __init__(self, data: Any, *, codes: list[str]) -> None:
        super().__init__(data)
        self.codes = codes
        score_choices = [("", "")] + [(str(value), label) for value, label in Rating.Score.choices]
        for code in codes:
            self.fields[SCORE_PREFIX + code] = forms.TypedChoiceField(
                choices=score_choices, coerce=int, empty_value=None, required=False
            )
            self.fields[NOTE_PREFIX + code] = forms.CharField(required=False, max_length=MAX_NOTE_LENGTH)

    def ratings(self) -> dict[str, RatingInput]:
        """The cleaned ratings by indicator code."""
        return {
            code: RatingInput(score=self.cleaned_data[SCORE_PREFIX + code], note=self.cleaned_data[NOTE_PREFIX + code])
            for code in self.codes
        }

    def errors_by_code(self) -> dict[str, list[str]]:
        """Field errors keyed by indicator code, so each is shown next to its indicator."""
        result: dict[str, list[str]] = {}
        for name, errors in self.errors.items():
            for prefix in (SCORE_PREFIX, NOTE_PREFIX):
                if name.startswith(prefix):
                    result.setdefault(name[len(prefix) :], []).extend(str(e) for e in errors)
        return result


class DateInput(forms.DateInput):
    input_type = "date"


class CycleForm(forms.Form):
    """What HR fills in to create a cycle: its name, track, windows and participants."""

    name = forms.CharField(label=_("Name"), max_length=200)
    track = forms.ModelChoiceField(label=_("Track"), queryset=Track.objects.all(), empty_label=None)
    self_assessment_opens_on = forms.DateField(label=_("Self-assessment opens"), widget=DateInput)
    self_assessment_due_on = forms.DateField(label=_("Self-assessment deadline"), widget=DateInput)
    manager_assessment_opens_on = forms.DateField(label=_("Manager assessment opens"), widget=DateInput)
    manager_assessment_due_on = forms.DateField(label=_("Manager assessment deadline"), widget=DateInput)
    departments = forms.ModelMultipleChoiceField(
        label=_("Everyone in these departments"),
        queryset=Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    positions = forms.ModelMultipleChoiceField(
        label=_("Everyone in these positions"),
        queryset=Position.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    employees = forms.ModelMultipleChoiceField(
        label=_("These people"),
        queryset=Employee.objects.select_related("department"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(name) for name in ("departments", "positions", "employees")):
            raise forms.ValidationError(_("Choose the participants: departments, positions or people."))
        return cleaned


class ReopenForm(forms.Form):
    """HR's reason for returning an assessment to draft."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The person who rates it is told this reason."),
    )


class ImportForm(forms.Form):
    """The organisation file HR uploads."""

    ALLOWED_SUFFIXES = (".csv", ".xlsx")

    file = forms.FileField(
        label=_("Organisation file"),
        help_text=_("CSV or Excel (.xlsx), one person a row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in self.ALLOWED_SUFFIXES:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
