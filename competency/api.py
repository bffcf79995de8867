"""Read the competency model over the API."""

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics

from competency.models import Competency
from competency.serializers import CompetencySerializer

# Documented so clients (and the schema fuzzer) expect them: a bad filter, no token, a page or code that is not there.
_BAD_FILTER = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid filter: a list of messages per field.")
_NOT_SIGNED_IN = OpenApiResponse(OpenApiTypes.OBJECT, description="Not signed in.")
_NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description="No such page or competency.")


@extend_schema(responses={200: CompetencySerializer(many=True), 400: _BAD_FILTER, 401: _NOT_SIGNED_IN, 404: _NOT_FOUND})
class CompetencyListApi(generics.ListAPIView[Competency]):
    """Competencies with their levels and indicators, filterable by track and kind."""

    serializer_class = CompetencySerializer
    filterset_fields = {"track__code": ["exact"], "kind": ["exact"]}
    # A track has a handful of competencies: the whole model in one answer, with no count query for a page.
    pagination_class = None

    def get_queryset(self) -> QuerySet[Competency]:
        return Competency.objects.with_levels_and_indicators()


@extend_schema(responses={200: CompetencySerializer, 401: _NOT_SIGNED_IN, 404: _NOT_FOUND})
class CompetencyDetailApi(generics.RetrieveAPIView[Competency]):
    serializer_class = CompetencySerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Competency]:
        return Competency.objects.with_levels_and_indicators()
