"""The model as the API shows it, in the reader's language and in both."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from competency.models import BehavioralIndicator, Competency, ProficiencyLevel


class BehavioralIndicatorSerializer(serializers.ModelSerializer[BehavioralIndicator]):
    text = serializers.CharField(read_only=True)
    is_drafted = serializers.BooleanField(read_only=True)

    class Meta:
        model = BehavioralIndicator
        fields = ["code", "order", "text", "text_zh", "text_en", "provenance", "is_drafted", "is_active"]


class ProficiencyLevelSerializer(serializers.ModelSerializer[ProficiencyLevel]):
    career_stages = serializers.SlugRelatedField(many=True, read_only=True, slug_field="number")
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = ProficiencyLevel
        fields = ["number", "career_stages", "is_boundary_inferred", "boundary_note", "indicators"]

    @extend_schema_field(BehavioralIndicatorSerializer(many=True))
    def get_indicators(self, level: ProficiencyLevel) -> list[dict[str, object]]:
        indicators = [i for i in level.competency.indicators.all() if i.level_id == level.pk]
        return BehavioralIndicatorSerializer(indicators, many=True).data  # type: ignore[return-value]


class CompetencySerializer(serializers.ModelSerializer[Competency]):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    track = serializers.SlugRelatedField(read_only=True, slug_field="code")
    levels = ProficiencyLevelSerializer(many=True, read_only=True)
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = Competency
        fields = [
            "code",
            "track",
            "kind",
            "order",
            "name",
            "name_zh",
            "name_en",
            "description",
            "description_zh",
            "description_en",
            "is_boundary_inferred",
            "levels",
            "indicators",
        ]

    @extend_schema_field(BehavioralIndicatorSerializer(many=True))
    def get_indicators(self, competency: Competency) -> list[dict[str, object]]:
        """Generic competencies' indicators (they have no levels); professional ones list theirs by level."""
        indicators = [i for i in competency.indicators.all() if i.level_id is None]
        return BehavioralIndicatorSerializer(indicators, many=True).data  # type: ignore[return-value]
