"""Forms of the report pages: they parse input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from assessments.models import Cycle, Department, Employee, User
from reports.models import Language, PlanAction, ReportKind


class ReportRequestForm(forms.Form):
    employee = forms.ModelChoiceField(queryset=Employee.objects.none(), label=_("Employee"))
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.exclude(status=Cycle.Status.DRAFT), label=_("Cycle"))
    kind = forms.ChoiceField(choices=ReportKind.choices, label=_("Document"))
    language = forms.ChoiceField(choices=Language.choices, label=_("Language"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        employees = self.fields["employee"]
        assert isinstance(employees, forms.ModelChoiceField)  # declared above
        employees.queryset = Employee.objects.visible_to(user).order_by("name")


class ExportForm(forms.Form):
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.exclude(status=Cycle.Status.DRAFT), label=_("Cycle"))
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        label=_("Department"),
        help_text=_("Leave empty for everyone."),
    )
    manager = forms.ModelChoiceField(
        queryset=Employee.objects.filter(Exists(Employee.objects.filter(manager=OuterRef("pk")))).order_by("name"),
        required=False,
        label=_("Manager's team"),
    )
    language = forms.ChoiceField(choices=Language.choices, label=_("Language"))
    include_plans = forms.BooleanField(required=False, initial=True, label=_("Include development plans"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("department") and cleaned.get("manager"):
            raise forms.ValidationError(_("Export a department or a manager's team, not both."))
        return cleaned


class PlanActionForm(forms.Form):
    what = forms.CharField(label=_("What"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    support = forms.CharField(
        label=_("Support needed"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ChoiceField(label=_("Owner"), choices=PlanAction.Owner.choices)
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=PlanAction.Status.choices, initial=PlanAction.Status.PLANNED)


class HeatmapForm(forms.Form):
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.exclude(status=Cycle.Status.DRAFT), label=_("Cycle"))
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False, label=_("Department"))
    manager = forms.ModelChoiceField(
        queryset=Employee.objects.filter(Exists(Employee.objects.filter(manager=OuterRef("pk")))).order_by("name"),
        required=False,
        label=_("Manager's team"),
    )
