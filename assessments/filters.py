"""Query-string filters of the API lists."""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from assessments.models import Assessment, Cycle, Employee, Position


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A related row by its id.

    Unlike a model choice filter it costs no query to validate, so a filtered list keeps the
    query count of an unfiltered one; an id that does not exist simply matches nothing.
    """

    field_class = forms.IntegerField


class EmployeeFilter(filters.FilterSet):
    department = IdFilter(field_name="department_id", help_text="Department id.")
    position = IdFilter(field_name="position_id", help_text="Position id.")
    manager = IdFilter(field_name="manager_id", help_text="The manager's employee id.")

    class Meta:
        model = Employee
        fields = ["department", "position", "manager"]


class PositionFilter(filters.FilterSet):
    track = filters.CharFilter(field_name="track__code", help_text="Track code.")

    class Meta:
        model = Position
        fields = ["track"]


class CycleFilter(filters.FilterSet):
    track = filters.CharFilter(field_name="track__code", help_text="Track code.")
    status = filters.ChoiceFilter(choices=Cycle.Status.choices)

    class Meta:
        model = Cycle
        fields = ["track", "status"]


class AssessmentFilter(filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id", help_text="Cycle id.")
    employee = IdFilter(field_name="employee_id", help_text="Employee id.")
    kind = filters.ChoiceFilter(choices=Assessment.Kind.choices)
    status = filters.ChoiceFilter(choices=Assessment.Status.choices)

    class Meta:
        model = Assessment
        fields = ["cycle", "employee", "kind", "status"]
