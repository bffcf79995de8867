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
        help_text=_("Notifications HR requires, such as a cycle opening or an assessment being reopened, still come."),
    )


class ReminderLogFilter(django_filters.FilterSet):
    cycle = django_filters.ModelChoiceFilter(queryset=Cycle.objects.all(), label=_("Cycle"))
    kind = django_filters.ChoiceFilter(choices=ReminderLog.Kind.choices, label=_("Kind"))
    on_date = django_filters.DateFilter(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    recipient = django_filters.CharFilter(
        field_name="recipient__username", lookup_expr="icontains", label=_("Recipient")
    )

    class Meta:
        model = ReminderLog
        fields = ["cycle", "kind", "on_date", "recipient"]
