"""Forms of the notification pages."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Cycle
from notifications.models import ReminderLog


class PreferencesForm(forms.Form):
    receives_reminders = forms.BooleanField(
        label=_("Email me reminders before my deadlines"),
        required=False,
        help_text=_(
            "Notifications HR requires still come: a cycle opening, an assessment reopened, or late work in your team."
        ),
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_receives_reminders-help"}),
    )


class ReminderLogFilter(django_filters.FilterSet):  # type: ignore[misc]
    cycle = django_filters.ModelChoiceFilter(queryset=Cycle.objects.all(), label=_("Cycle"))
    kind = django_filters.ChoiceFilter(choices=ReminderLog.Kind.choices, label=_("Kind"))
    on_date = django_filters.DateFilter(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    recipient = django_filters.CharFilter(
        field_name="recipient__username", lookup_expr="icontains", label=_("Recipient")
    )

    class Meta:
        model = ReminderLog
        fields = ["cycle", "kind", "on_date", "recipient"]
