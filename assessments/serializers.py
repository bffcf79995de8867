"""How people, positions, cycles and assessments look over the API. Output only: each write view has its input."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments import permissions
from assessments.models import Assessment, Cycle, CycleIndicator, Department, Employee, Position, RequiredLevel
from assessments.services import CompetencyLevel
from competency.models import Competency, Track


class NamedChoiceField(serializers.ChoiceField):
    """A choice field the schema shows as an enum of its own name.

    Assessments and cycles both have a status, and assessments and competencies both a kind, each
    with other choices (other apps add more): without a name of their own, the schema's enums collide.
    """

    def __init__(self, enum_name: str, **kwargs: Any) -> None:
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    target_class = NamedChoiceField

    def get_name(self) -> str:
        return str(self.target.enum_name)

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = build_choice_field(self.target)
        schema.pop("x-spec-enum-id", None)
        return schema


class DepartmentRefSerializer(serializers.ModelSerializer[Department]):
    class Meta:
        model = Department
        fields = ["id", "name"]


class PositionRefSerializer(serializers.ModelSerializer[Position]):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Position
        fields = ["id", "code", "name"]


class EmployeeRefSerializer(serializers.ModelSerializer[Employee]):
    class Meta:
        model = Employee
        fields = ["id", "employee_number", "name"]


class EmployeeSerializer(serializers.ModelSerializer[Employee]):
    username = serializers.CharField(source="user.username", read_only=True)
    department = DepartmentRefSerializer(read_only=True)
    position = PositionRefSerializer(read_only=True, allow_null=True)
    manager = EmployeeRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Employee
        fields = ["id", "employee_number", "name", "username", "department", "position", "manager"]


class MeSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    is_hr = serializers.BooleanField()
    employee = EmployeeSerializer(allow_null=True)
    language = NamedChoiceField(
        "UserLanguageEnum", choices=settings.LANGUAGES, help_text="The saved choice, else the response's."
    )


class RequiredLevelSerializer(serializers.ModelSerializer[RequiredLevel]):
    competency = serializers.CharField(source="competency.code", read_only=True)
    name = serializers.CharField(source="competency.name", read_only=True)
    kind = serializers.ChoiceField(source="competency.kind", choices=Competency.Kind.choices, read_only=True)

    class Meta:
        model = RequiredLevel
        fields = ["competency", "name", "kind", "level"]


class PositionSerializer(serializers.ModelSerializer[Position]):
    track = serializers.SlugRelatedField[Track](slug_field="code", read_only=True)
    name = serializers.CharField(read_only=True)
    required_levels = RequiredLevelSerializer(many=True, read_only=True)

    class Meta:
        model = Position
        fields = ["id", "track", "code", "name", "name_zh", "name_en", "is_example", "required_levels"]


class CycleSerializer(serializers.ModelSerializer[Cycle]):
    track = serializers.SlugRelatedField[Track](slug_field="code", read_only=True)
    status = NamedChoiceField("CycleStatusEnum", choices=Cycle.Status.choices, read_only=True)
    participant_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cycle
        fields = [
            "id",
            "name",
            "track",
            "status",
            "self_assessment_opens_on",
            "self_assessment_due_on",
            "manager_assessment_opens_on",
            "manager_assessment_due_on",
            "demonstrated_at",
            "attainment_numerator",
            "attainment_denominator",
            "participant_count",
            "created_at",
            "opened_at",
            "closed_at",
        ]


class CycleDetailSerializer(CycleSerializer):
    participants = serializers.SerializerMethodField()

    class Meta(CycleSerializer.Meta):
        fields = [*CycleSerializer.Meta.fields, "participants"]

    @extend_schema_field(EmployeeRefSerializer(many=True))
    def get_participants(self, cycle: Cycle) -> list[dict[str, Any]]:
        """Only the participants the reader may see: a cycle does not reveal who else is assessed."""
        return EmployeeRefSerializer(cycle.visible_participants, many=True).data  # type: ignore[attr-defined,return-value]


class AssessmentActionsSerializer(serializers.Serializer[Assessment]):
    """What the reader may do with the assessment now, as the permission policy says."""

    can_rate = serializers.SerializerMethodField()
    can_submit = serializers.SerializerMethodField()
    can_sign_off = serializers.SerializerMethodField()
    can_reopen = serializers.SerializerMethodField()

    def _user(self) -> Any:
        return self.context["request"].user

    def get_can_rate(self, assessment: Assessment) -> bool:
        return permissions.can_rate(self._user(), assessment)

    def get_can_submit(self, assessment: Assessment) -> bool:
        return permissions.can_submit(self._user(), assessment)

    def get_can_sign_off(self, assessment: Assessment) -> bool:
        return permissions.can_sign_off(self._user(), assessment)

    def get_can_reopen(self, assessment: Assessment) -> bool:
        return permissions.can_reopen(self._user(), assessment)


class AssessmentSerializer(serializers.ModelSerializer[Assessment]):
    employee = EmployeeRefSerializer(read_only=True)
    kind = NamedChoiceField("AssessmentKindEnum", choices=Assessment.Kind.choices, read_only=True)
    status = NamedChoiceField("AssessmentStatusEnum", choices=Assessment.Status.choices, read_only=True)
    actions = AssessmentActionsSerializer(source="*", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "cycle",
            "employee",
            "kind",
            "status",
            "version",
            "last_saved_at",
            "submitted_at",
            "manager_signed_off_at",
            "employee_acknowledged_at",
            "signed_off_at",
            "reopen_reason",
            "actions",
        ]


class RatingSerializer(serializers.ModelSerializer[CycleIndicator]):
    """One indicator of the cycle's form with this assessment's rating of it (score null when not rated yet)."""

    competency = serializers.CharField(source="competency.code", read_only=True)
    level = serializers.IntegerField(source="level_number", read_only=True, allow_null=True)
    text = serializers.CharField(read_only=True)
    score = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()

    class Meta:
        model = CycleIndicator
        fields = ["code", "competency", "level", "text", "is_drafted", "score", "note"]

    @extend_schema_field(serializers.IntegerField(min_value=0, max_value=3, allow_null=True))
    def get_score(self, indicator: CycleIndicator) -> int | None:
        ratings = indicator.own_ratings  # type: ignore[attr-defined]
        return ratings[0].score if ratings else None

    def get_note(self, indicator: CycleIndicator) -> str:
        ratings = indicator.own_ratings  # type: ignore[attr-defined]
        return ratings[0].note if ratings else ""


class AssessmentDetailSerializer(AssessmentSerializer):
    ratings = RatingSerializer(source="cycle.indicators.all", many=True, read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "ratings"]


class CompetencyLevelSerializer(serializers.Serializer[CompetencyLevel]):
    code = serializers.CharField(source="competency.code")
    name = serializers.CharField(source="competency.name")
    kind = serializers.ChoiceField(source="competency.kind", choices=Competency.Kind.choices)
    # DRF's metaclass takes declared fields off the class, so this does not shadow Field.required.
    required = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    level = serializers.IntegerField()
    gap = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(source="result.reason")


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


class StaleVersionErrorSerializer(ErrorSerializer):
    current_version = serializers.IntegerField()


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()
