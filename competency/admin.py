"""HR edits the model here. Indicators are retired, not deleted, once a cycle has used them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from competency.models import (
    BehavioralIndicator,
    CareerStage,
    CareerStageDescriptor,
    Competency,
    IntroSection,
    ProficiencyLevel,
    Track,
)


class IntroSectionInline(admin.StackedInline):
    model = IntroSection
    extra = 0


class CareerStageDescriptorInline(admin.TabularInline):
    model = CareerStageDescriptor
    extra = 0


class ProficiencyLevelInline(admin.TabularInline):
    model = ProficiencyLevel
    extra = 0
    fields = ["number", "career_stages", "is_boundary_inferred", "boundary_note"]


class BehavioralIndicatorInline(admin.TabularInline):
    model = BehavioralIndicator
    extra = 0
    fields = ["code", "level", "order", "text_zh", "text_en", "provenance", "is_active"]
    ordering = ["level__number", "order"]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "issued_en"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [IntroSectionInline]


@admin.register(CareerStage)
class CareerStageAdmin(admin.ModelAdmin):
    list_display = ["track", "number", "name_zh", "name_en", "is_boundary_inferred"]
    list_filter = ["track", "is_boundary_inferred"]
    ordering = ["track", "number"]
    inlines = [CareerStageDescriptorInline]


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "order", "track", "is_boundary_inferred"]
    list_filter = ["track", "kind"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["track", "order"]
    list_editable = ["order"]
    inlines = [ProficiencyLevelInline, BehavioralIndicatorInline]


@admin.register(BehavioralIndicator)
class BehavioralIndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "competency", "level", "order", "text_zh", "provenance", "is_active"]
    list_filter = ["competency__track", "competency", "level__number", "provenance", "is_active"]
    search_fields = ["code", "text_zh", "text_en"]
    ordering = ["competency__order", "level__number", "order"]
    list_select_related = ["competency", "level__competency"]
    actions = ["retire"]

    @admin.action(description=_("Retire the selected indicators (cycles already opened keep them)"))
    def retire(self, request, queryset):  # type: ignore[no-untyped-def]
        queryset.update(is_active=False)
