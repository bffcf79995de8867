"""Read the competency model over the API."""

from django.db.models import QuerySet
from rest_framework import generics

from competency.models import Competency
from competency.serializers import CompetencySerializer


class CompetencyListApi(generics.ListAPIView[Competency]):
    """Competencies with their levels and indicators, filterable by track and kind."""

    serializer_class = CompetencySerializer
    filterset_fields = {"track__code": ["exact"], "kind": ["exact"]}

    def get_queryset(self) -> QuerySet[Competency]:
        return Competency.objects.with_levels_and_indicators()


class CompetencyDetailApi(generics.RetrieveAPIView[Competency]):
    serializer_class = CompetencySerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Competency]:
        return Competency.objects.with_levels_and_indicators()
