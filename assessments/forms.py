"""Forms of the portal's pages: they parse and check input, the services decide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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


class RatingsForm:
    """Some or all ratings of an assessment, plus the version they were based on.

    Only the indicators present in the data are read, so the page can save one change at a time. A full
    form posts 245 fields; they are checked here directly, with Django's own messages, because building a
    form field for each cost more than the rest of the save.
    """

    SCORES = {"": None} | {str(value): value for value in Rating.Score.values}

    def __init__(self, data: Any, *, codes: list[str]) -> None:
        self.data = data
        self.codes = codes
        self.errors: dict[str, list[str]] = {}
        self.cleaned_data: dict[str, Any] = {}

    def is_valid(self) -> bool:
        self.errors = {}
        self.cleaned_data = {}
        try:
            self.cleaned_data["version"] = forms.IntegerField(min_value=0).clean(self.data.get("version"))
        except forms.ValidationError as error:
            self.errors["version"] = list(error.messages)
        invalid_choice = forms.ChoiceField.default_error_messages["invalid_choice"]
        for code in self.codes:
            raw_score = self.data.get(SCORE_PREFIX + code) or ""
            if raw_score in self.SCORES:
                self.cleaned_data[SCORE_PREFIX + code] = self.SCORES[raw_score]
            else:
                self.errors[SCORE_PREFIX + code] = [str(invalid_choice) % {"value": raw_score}]
            note = (self.data.get(NOTE_PREFIX + code) or "").strip()
            note_errors = self._note_errors(note)
            if note_errors:
                self.errors[NOTE_PREFIX + code] = note_errors
            else:
                self.cleaned_data[NOTE_PREFIX + code] = note
        return not self.errors

    @staticmethod
    def _note_errors(note: str) -> list[str]:
        errors = []
        if "\x00" in note:
            errors.append(str(_("Null characters are not allowed.")))
        if len(note) > MAX_NOTE_LENGTH:
            errors.append(
                ngettext(
                    "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
                    "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
                    MAX_NOTE_LENGTH,
                )
                % {"limit_value": MAX_NOTE_LENGTH, "show_value": len(note)}
            )
        return errors

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
                    result.setdefault(name[len(prefix) :], []).extend(errors)
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
