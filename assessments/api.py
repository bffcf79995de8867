"""The assessments API: one view per operation, each asking the permission policy and calling one service.

Records are fetched through ``visible_to`` (or ``permissions.visible_cycles``), so another person's
record is a 404; an action the policy refuses on a visible record is a 403, checked before the
input so the answer does not depend on the body.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from assessments import permissions, services
from assessments.filters import AssessmentFilter, CycleFilter, EmployeeFilter, PositionFilter
from assessments.models import (
    Assessment,
    Cycle,
    CycleIndicator,
    Department,
    Employee,
    Position,
    Rating,
    RequiredLevel,
    User,
)
from assessments.serializers import (
    AssessmentDetailSerializer,
    AssessmentSerializer,
    CompetencyLevelSerializer,
    CycleDetailSerializer,
    CycleSerializer,
    EmployeeSerializer,
    ErrorSerializer,
    MeSerializer,
    PositionSerializer,
    StaleVersionErrorSerializer,
    TokenSerializer,
)
from competency.models import Track

_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: a list of messages per field."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Signed in, but not allowed to do this."),
    404: OpenApiResponse(ErrorSerializer, description="No such record among those the reader may see."),
    409: OpenApiResponse(StaleVersionErrorSerializer, description="Changed elsewhere since it was loaded."),
    413: OpenApiResponse(ErrorSerializer, description="The body is larger than the portal accepts."),
    429: OpenApiResponse(ErrorSerializer, description="Too many attempts; try again later."),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error responses for the given status codes."""
    return {code: _ERRORS[code] for code in codes}


def deny_unless(is_allowed: bool, message: str | None = None) -> None:
    if not is_allowed:
        raise exceptions.PermissionDenied(message)


class ApiMixin:
    """What every view here shares: JSON bodies, and answers in the reader's saved language."""

    # Bodies nest (ratings by indicator code, levels by competency code), which forms cannot express.
    parser_classes: list[Any] = [JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # The language middleware only knows session users; token clients are known once DRF
        # has authenticated them, so their saved language is applied here.
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)


class Api(ApiMixin, APIView):
    """A view of one operation of this API."""


def signed_in(request: Request) -> User:
    """The reader, whom the default IsAuthenticated permission has made sure is signed in."""
    return request.user  # type: ignore[return-value]


# Sign-in --------------------------------------------------------------------------------------


class TokenObtainApi(Api):
    """Trade a username and password for an API token."""

    authentication_classes: list[Any] = []
    parser_classes = [JSONParser, FormParser]
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=AuthTokenSerializer, responses={200: TokenSerializer, **errors(400, 429)}, auth=[])
    def post(self, request: Request) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response(TokenSerializer({"token": token.key}).data)


class MeApi(Api):
    """Who is signed in."""

    @extend_schema(responses={200: MeSerializer, **errors(401)})
    def get(self, request: Request) -> Response:
        user = signed_in(request)
        employee = (
            Employee.objects.select_related("user", "department", "position", "manager").filter(user=user).first()
        )
        me = {
            "username": user.username,
            "is_hr": permissions.is_hr(user),
            "employee": employee,
            "language": user.language or translation.get_language(),
        }
        return Response(MeSerializer(me).data)


# People and positions -------------------------------------------------------------------------


def _employees(request: Request) -> QuerySet[Employee]:
    return Employee.objects.visible_to(signed_in(request)).select_related("user", "department", "position", "manager")


@extend_schema(responses={200: EmployeeSerializer(many=True), **errors(400, 401, 404)})
class EmployeeListApi(ApiMixin, generics.ListAPIView[Employee]):
    """The employees the reader may see: HR everyone, a manager their reports and themselves, others themselves."""

    serializer_class = EmployeeSerializer
    filterset_class = EmployeeFilter

    def get_queryset(self) -> QuerySet[Employee]:
        return _employees(self.request)


@extend_schema(responses={200: EmployeeSerializer, **errors(401, 404)})
class EmployeeDetailApi(ApiMixin, generics.RetrieveAPIView[Employee]):
    """One employee the reader may see."""

    serializer_class = EmployeeSerializer

    def get_queryset(self) -> QuerySet[Employee]:
        return _employees(self.request)


def _positions() -> QuerySet[Position]:
    return Position.objects.select_related("track").prefetch_related(
        Prefetch("required_levels", queryset=RequiredLevel.objects.select_related("competency"))
    )


def _position_response(pk: int, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(PositionSerializer(_positions().get(pk=pk)).data, status=status_code)


class PositionListCreateApi(ApiMixin, generics.ListAPIView[Position]):
    """Positions with the level each requires of every competency; HR creates them."""

    serializer_class = PositionSerializer
    filterset_class = PositionFilter

    @extend_schema_serializer(component_name="PositionCreateInput")
    class CreateInputSerializer(serializers.ModelSerializer[Position]):
        track = serializers.SlugRelatedField(slug_field="code", queryset=Track.objects.all())
        required_levels = serializers.DictField(
            child=serializers.IntegerField(), help_text="Required level (1-3) by competency code, one per competency."
        )

        class Meta:
            model = Position
            fields = ["track", "code", "name_zh", "name_en", "is_example", "required_levels"]

    def get_queryset(self) -> QuerySet[Position]:
        return _positions()

    @extend_schema(responses={200: PositionSerializer(many=True), **errors(400, 401, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CreateInputSerializer, responses={201: PositionSerializer, **errors(400, 401, 403)})
    def post(self, request: Request) -> Response:
        deny_unless(permissions.can_manage_positions(request.user), _("Only HR can manage positions."))
        serializer = self.CreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        position = services.create_position(created_by=signed_in(request), **serializer.validated_data)
        return _position_response(position.pk, status.HTTP_201_CREATED)


class PositionDetailUpdateApi(ApiMixin, generics.RetrieveAPIView[Position]):
    """One position; HR changes its names, code and required levels (the track stays)."""

    serializer_class = PositionSerializer

    @extend_schema_serializer(component_name="PositionUpdateInput")
    class UpdateInputSerializer(serializers.ModelSerializer[Position]):
        required_levels = serializers.DictField(
            child=serializers.IntegerField(), help_text="Required level (1-3) by competency code; others are kept."
        )

        class Meta:
            model = Position
            fields = ["code", "name_zh", "name_en", "is_example", "required_levels"]

    def get_queryset(self) -> QuerySet[Position]:
        return _positions()

    @extend_schema(responses={200: PositionSerializer, **errors(401, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=UpdateInputSerializer, responses={200: PositionSerializer, **errors(400, 401, 403, 404)})
    def patch(self, request: Request, pk: int) -> Response:
        position = get_object_or_404(Position.objects.select_related("track"), pk=pk)
        deny_unless(permissions.can_manage_positions(request.user), _("Only HR can manage positions."))
        serializer = self.UpdateInputSerializer(instance=position, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_position(position=position, updated_by=signed_in(request), **serializer.validated_data)
        return _position_response(position.pk)


# Cycles ---------------------------------------------------------------------------------------


def _cycles(request: Request) -> QuerySet[Cycle]:
    # Counting makes it a GROUP BY query, which drops the model's ordering: so order it here.
    queryset = (
        Cycle.objects.select_related("track")
        .annotate(participant_count=Count("participants"))
        .order_by("-created_at", "-pk")
    )
    return permissions.visible_cycles(queryset, request.user)


def _cycle_detail(request: Request) -> QuerySet[Cycle]:
    visible_participants = Employee.objects.visible_to(signed_in(request))
    return _cycles(request).prefetch_related(
        Prefetch("participants", queryset=visible_participants, to_attr="visible_participants")
    )


def _get_cycle(request: Request, pk: int) -> Cycle:
    return get_object_or_404(_cycles(request), pk=pk)


def _cycle_response(request: Request, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
    cycle = _cycle_detail(request).get(pk=pk)
    return Response(CycleDetailSerializer(cycle).data, status=status_code)


class CycleListCreateApi(ApiMixin, generics.ListAPIView[Cycle]):
    """Cycles: HR sees all, others those they take part in or their reports do; HR creates them."""

    serializer_class = CycleSerializer
    filterset_class = CycleFilter

    @extend_schema_serializer(component_name="CycleCreateInput")
    class CreateInputSerializer(serializers.ModelSerializer[Cycle]):
        track = serializers.SlugRelatedField(slug_field="code", queryset=Track.objects.all())
        departments = serializers.PrimaryKeyRelatedField(
            many=True, required=False, queryset=Department.objects.all(), help_text="Everyone in these departments."
        )
        positions = serializers.PrimaryKeyRelatedField(
            many=True, required=False, queryset=Position.objects.all(), help_text="Everyone in these positions."
        )
        employees = serializers.PrimaryKeyRelatedField(
            many=True, required=False, queryset=Employee.objects.all(), help_text="These people, one by one."
        )

        class Meta:
            model = Cycle
            fields = [
                "name",
                "track",
                "self_assessment_opens_on",
                "self_assessment_due_on",
                "manager_assessment_opens_on",
                "manager_assessment_due_on",
                "departments",
                "positions",
                "employees",
            ]

    def get_queryset(self) -> QuerySet[Cycle]:
        return _cycles(self.request)

    @extend_schema(responses={200: CycleSerializer(many=True), **errors(400, 401, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CreateInputSerializer, responses={201: CycleDetailSerializer, **errors(400, 401, 403)})
    def post(self, request: Request) -> Response:
        deny_unless(permissions.can_manage_cycles(request.user), _("Only HR can manage cycles."))
        serializer = self.CreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cycle = services.create_cycle(created_by=signed_in(request), **serializer.validated_data)
        return _cycle_response(request, cycle.pk, status.HTTP_201_CREATED)


@extend_schema(responses={200: CycleDetailSerializer, **errors(401, 404)})
class CycleDetailApi(ApiMixin, generics.RetrieveAPIView[Cycle]):
    """One cycle, with the participants the reader may see."""

    serializer_class = CycleDetailSerializer

    def get_queryset(self) -> QuerySet[Cycle]:
        return _cycle_detail(self.request)


class CycleOpenApi(Api):
    """HR opens a draft cycle: the model is pinned and every participant's assessments start."""

    @extend_schema(request=None, responses={200: CycleDetailSerializer, **errors(400, 401, 403, 404)})
    def post(self, request: Request, pk: int) -> Response:
        cycle = _get_cycle(request, pk)
        deny_unless(permissions.can_manage_cycles(request.user), _("Only HR can manage cycles."))
        services.open_cycle(cycle=cycle, opened_by=signed_in(request))
        return _cycle_response(request, pk)


class CycleCloseApi(Api):
    """HR closes an open cycle."""

    @extend_schema(request=None, responses={200: CycleDetailSerializer, **errors(400, 401, 403, 404)})
    def post(self, request: Request, pk: int) -> Response:
        cycle = _get_cycle(request, pk)
        deny_unless(permissions.can_manage_cycles(request.user), _("Only HR can manage cycles."))
        services.close_cycle(cycle=cycle, closed_by=signed_in(request))
        return _cycle_response(request, pk)


class CycleParticipantsAddApi(Api):
    """HR adds people to a draft or open cycle, one by one or by department or position."""

    @extend_schema_serializer(component_name="CycleParticipantsInput")
    class InputSerializer(serializers.Serializer[Any]):
        departments = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Department.objects.all())
        positions = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Position.objects.all())
        employees = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Employee.objects.all())

    @extend_schema(request=InputSerializer, responses={200: CycleDetailSerializer, **errors(400, 401, 403, 404)})
    def post(self, request: Request, pk: int) -> Response:
        cycle = _get_cycle(request, pk)
        deny_unless(permissions.can_manage_cycles(request.user), _("Only HR can manage cycles."))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.add_participants(
            cycle=cycle,
            employees=services.employees_for(**serializer.validated_data),
            added_by=signed_in(request),
        )
        return _cycle_response(request, pk)


# Assessments ----------------------------------------------------------------------------------


def _assessments(request: Request) -> QuerySet[Assessment]:
    # The employee's manager is joined because the permission policy asks who rates each row.
    return Assessment.objects.visible_to(signed_in(request)).select_related("cycle", "employee__manager")


def _get_assessment(request: Request, pk: int) -> Assessment:
    return get_object_or_404(_assessments(request), pk=pk)


def _assessment_response(request: Request, pk: int) -> Response:
    assessment = _assessments(request).get(pk=pk)
    return Response(AssessmentSerializer(assessment, context={"request": request}).data)


@extend_schema(responses={200: AssessmentSerializer(many=True), **errors(400, 401, 404)})
class AssessmentListApi(ApiMixin, generics.ListAPIView[Assessment]):
    """The assessments the reader may see, filterable by cycle, employee, kind and status."""

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter

    def get_queryset(self) -> QuerySet[Assessment]:
        return _assessments(self.request)


@extend_schema(responses={200: AssessmentDetailSerializer, **errors(401, 404)})
class AssessmentDetailApi(ApiMixin, generics.RetrieveAPIView[Assessment]):
    """One assessment with its version and every indicator of its cycle's form, rated or not yet."""

    serializer_class = AssessmentDetailSerializer

    def get_queryset(self) -> QuerySet[Assessment]:
        own_ratings = Rating.objects.filter(assessment_id=self.kwargs["pk"])
        form = CycleIndicator.objects.select_related("competency").prefetch_related(
            Prefetch("ratings", queryset=own_ratings, to_attr="own_ratings")
        )
        return _assessments(self.request).prefetch_related(Prefetch("cycle__indicators", queryset=form))


def _by_indicator(problems_by_field: dict[str, Any]) -> dict[str, Any]:
    """Input errors of single ratings keyed by their indicator code, as the service keys its own."""
    ratings = problems_by_field.get("ratings")
    if not isinstance(ratings, dict):
        return problems_by_field
    flat = {field: messages for field, messages in problems_by_field.items() if field != "ratings"}
    for code, problems in ratings.items():
        if isinstance(problems, dict):
            flat[code] = [message for messages in problems.values() for message in messages]
        else:
            flat[code] = problems
    return flat


class RatingInputSerializer(serializers.Serializer[Any]):
    # Both are required because a saved rating replaces score and note together.
    score = serializers.ChoiceField(choices=Rating.Score.choices, allow_null=True, help_text="0-3, or null: not yet.")
    note = serializers.CharField(allow_blank=True, max_length=services.MAX_NOTE_LENGTH, help_text="Evidence.")


class AssessmentRatingsUpdateApi(Api):
    """The rater saves some or all ratings of a draft in one request, based on the version they loaded."""

    @extend_schema_serializer(component_name="RatingsInput")
    class InputSerializer(serializers.Serializer[Any]):
        version = serializers.IntegerField(min_value=0, help_text="The version the ratings were loaded at.")
        ratings = serializers.DictField(child=RatingInputSerializer(), help_text="Ratings by indicator code.")

    @extend_schema(
        request=InputSerializer, responses={200: AssessmentSerializer, **errors(400, 401, 403, 404, 409, 413)}
    )
    def put(self, request: Request, pk: int) -> Response:
        assessment = _get_assessment(request, pk)
        deny_unless(permissions.can_rate(request.user, assessment), _("You cannot change these ratings."))
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            raise exceptions.ValidationError(_by_indicator(serializer.errors))
        given = serializer.validated_data["ratings"]
        ratings = {code: services.RatingInput(**rating) for code, rating in given.items()}
        try:
            services.save_ratings(
                assessment=assessment,
                rater=signed_in(request),
                ratings=ratings,
                expected_version=serializer.validated_data["version"],
            )
        except services.StaleWrite as stale:
            body = {"detail": str(stale), "current_version": stale.assessment.version}
            return Response(StaleVersionErrorSerializer(body).data, status=status.HTTP_409_CONFLICT)
        return _assessment_response(request, pk)


class AssessmentSubmitApi(Api):
    """The rater submits a fully rated draft; a 400 lists the indicators still unrated."""

    @extend_schema(request=None, responses={200: AssessmentSerializer, **errors(400, 401, 403, 404)})
    def post(self, request: Request, pk: int) -> Response:
        assessment = _get_assessment(request, pk)
        deny_unless(permissions.can_submit(request.user, assessment), _("You cannot submit this assessment."))
        try:
            services.submit_assessment(assessment=assessment, user=signed_in(request))
        except DjangoValidationError as error:
            if "ratings" not in getattr(error, "error_dict", {}):
                raise
            # The message names the codes for people; the list is for programs.
            raise exceptions.ValidationError(
                {"ratings": error.message_dict["ratings"], "missing": services.missing_indicators(assessment)}
            ) from error
        return _assessment_response(request, pk)


class AssessmentSignOffApi(Api):
    """The manager signs off their submitted assessment; the employee acknowledges it."""

    @extend_schema(request=None, responses={200: AssessmentSerializer, **errors(401, 403, 404)})
    def post(self, request: Request, pk: int) -> Response:
        assessment = _get_assessment(request, pk)
        deny_unless(permissions.can_sign_off(request.user, assessment), _("You cannot sign off this assessment now."))
        services.sign_off_assessment(assessment=assessment, user=signed_in(request))
        return _assessment_response(request, pk)


class AssessmentReopenApi(Api):
    """HR returns a submitted or signed-off assessment to draft, giving a reason."""

    @extend_schema_serializer(component_name="ReopenInput")
    class InputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(allow_blank=True, help_text="Why it is reopened; the rater is told.")

    @extend_schema(request=InputSerializer, responses={200: AssessmentSerializer, **errors(400, 401, 403, 404)})
    def post(self, request: Request, pk: int) -> Response:
        assessment = _get_assessment(request, pk)
        deny_unless(permissions.can_reopen(request.user, assessment), _("Only HR can reopen a submitted assessment."))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reopen_assessment(
            assessment=assessment,
            reopened_by=signed_in(request),
            reason=serializer.validated_data["reason"],
        )
        return _assessment_response(request, pk)


class AssessmentLevelsApi(Api):
    """Each competency's computed level or degree for the assessment, against what the position requires."""

    @extend_schema(responses={200: CompetencyLevelSerializer(many=True), **errors(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        assessment = get_object_or_404(_assessments(request).select_related("employee__position"), pk=pk)
        levels = services.assessment_levels(assessment=assessment)
        return Response(CompetencyLevelSerializer(levels, many=True).data)  # type: ignore[arg-type]
