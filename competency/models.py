"""The competency model: tracks, competencies, proficiency levels and behavioral indicators.

Every text a person reads is stored in Simplified Chinese (``*_zh``) and English (``*_en``)
and shown in the reader's language through :class:`Localized`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def pick_language(zh: str, en: str, language: str | None = None) -> str:
    """The text for `language` (the active one by default), falling back to the other."""
    language = language or get_language() or "zh-hans"
    if language.startswith("en"):
        return en or zh
    return zh or en


class Localized:
    """Read `obj.<name>` as `<name>_zh` or `<name>_en`, following the active language."""

    def __init__(self, base: str) -> None:
        self.base = base

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return pick_language(getattr(obj, f"{self.base}_zh"), getattr(obj, f"{self.base}_en"))


class Track(models.Model):
    """A job family (序列) with its own competency model, e.g. Key Account Sales."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    organisation_zh = models.CharField(_("organisation (Chinese)"), max_length=200, blank=True)
    organisation_en = models.CharField(_("organisation (English)"), max_length=200, blank=True)
    issued_zh = models.CharField(_("issued (Chinese)"), max_length=60, blank=True)
    issued_en = models.CharField(_("issued (English)"), max_length=60, blank=True)

    name = Localized("name")
    organisation = Localized("organisation")
    issued = Localized("issued")

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(self.name)

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class IntroSection(models.Model):
    """One section of the source document's introduction ("why competencies", "our system")."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="intro_sections")
    order = models.PositiveSmallIntegerField(_("order"))
    heading_zh = models.CharField(_("heading (Chinese)"), max_length=200)
    heading_en = models.CharField(_("heading (English)"), max_length=200)
    body_zh = models.TextField(_("body (Chinese)"))
    body_en = models.TextField(_("body (English)"))

    heading = Localized("heading")
    body = Localized("body")

    class Meta:
        verbose_name = _("introduction section")
        verbose_name_plural = _("introduction sections")
        ordering = ["track", "order"]
        constraints = [models.UniqueConstraint(fields=["track", "order"], name="unique_intro_section_order")]

    def __str__(self) -> str:
        return str(self.heading)

    def paragraphs(self) -> list[str]:
        """The body split into paragraphs, for display."""
        return [p for p in str(self.body).split("\n") if p.strip()]


class CareerStage(models.Model):
    """A stage of a person's career (学习发展, 独立贡献, ...) that proficiency levels follow."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="career_stages")
    number = models.PositiveSmallIntegerField(_("stage"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    is_boundary_inferred = models.BooleanField(
        _("boundary inferred"),
        default=False,
        help_text=_("The source does not show where this stage's descriptors start or end; review it."),
    )
    boundary_note = models.TextField(_("boundary note"), blank=True)

    name = Localized("name")

    class Meta:
        verbose_name = _("career stage")
        verbose_name_plural = _("career stages")
        ordering = ["track", "number"]
        constraints = [models.UniqueConstraint(fields=["track", "number"], name="unique_career_stage_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class CareerStageDescriptor(models.Model):
    """One line that describes what a career stage looks like."""

    stage = models.ForeignKey(CareerStage, on_delete=models.CASCADE, related_name="descriptors")
    order = models.PositiveSmallIntegerField(_("order"))
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))

    text = Localized("text")

    class Meta:
        verbose_name = _("career stage descriptor")
        verbose_name_plural = _("career stage descriptors")
        ordering = ["stage", "order"]
        constraints = [models.UniqueConstraint(fields=["stage", "order"], name="unique_descriptor_order")]

    def __str__(self) -> str:
        return str(self.text)


class CompetencyQuerySet(models.QuerySet["Competency"]):
    def with_levels_and_indicators(self) -> CompetencyQuerySet:
        """Everything the catalogue and the forms show, in a fixed number of queries."""
        return self.select_related("track").prefetch_related(
            models.Prefetch("levels", queryset=ProficiencyLevel.objects.prefetch_related("career_stages")),
            models.Prefetch("indicators", queryset=BehavioralIndicator.objects.select_related("level")),
        )


class Competency(models.Model):
    """A competency of a track: generic (no levels) or professional (levels 1-3)."""

    class Kind(models.TextChoices):
        GENERIC = "generic", _("Generic")
        PROFESSIONAL = "professional", _("Professional")

    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="competencies")
    code = models.CharField(
        _("code"), max_length=20, unique=True, help_text=_("Stable identifier used in indicator codes, e.g. MKT.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_boundary_inferred = models.BooleanField(_("boundary inferred"), default=False)
    boundary_note = models.TextField(_("boundary note"), blank=True)

    name = Localized("name")
    description = Localized("description")

    objects = CompetencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["track", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_generic(self) -> bool:
        return self.kind == self.Kind.GENERIC


class ProficiencyLevel(models.Model):
    """A level (1-3) of a professional competency, standing for one or more career stages."""

    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="levels")
    number = models.PositiveSmallIntegerField(_("level"))
    career_stages = models.ManyToManyField(CareerStage, related_name="levels", verbose_name=_("career stages"))
    is_boundary_inferred = models.BooleanField(
        _("boundary inferred"),
        default=False,
        help_text=_("Where this level starts or ends was inferred from the content; HR should review it."),
    )
    boundary_note = models.TextField(_("boundary note"), blank=True)

    class Meta:
        verbose_name = _("proficiency level")
        verbose_name_plural = _("proficiency levels")
        ordering = ["competency", "number"]
        constraints = [
            models.UniqueConstraint(fields=["competency", "number"], name="unique_level_number"),
            models.CheckConstraint(condition=models.Q(number__gte=1, number__lte=3), name="level_number_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.competency.code} L{self.number}"

    @property
    def name(self) -> str:
        return str(_("Level %(number)d") % {"number": self.number})


class BehavioralIndicatorQuerySet(models.QuerySet["BehavioralIndicator"]):
    def active(self) -> BehavioralIndicatorQuerySet:
        return self.filter(is_active=True)

    def drafted(self) -> BehavioralIndicatorQuerySet:
        return self.filter(provenance=BehavioralIndicator.Provenance.DRAFTED)


class BehavioralIndicator(models.Model):
    """An observable behaviour at a competency's level, the unit everyone is rated on."""

    class Provenance(models.TextChoices):
        SOURCE = "source", _("From the source document")
        DRAFTED = "drafted", _("Drafted by us")

    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="indicators")
    level = models.ForeignKey(
        ProficiencyLevel,
        on_delete=models.PROTECT,
        related_name="indicators",
        null=True,
        blank=True,
        help_text=_("Empty for generic competencies, which have no levels."),
    )
    code = models.CharField(_("code"), max_length=20, unique=True, help_text=_("Stable code, e.g. MKT-2-03."))
    order = models.PositiveSmallIntegerField(_("order"))
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    provenance = models.CharField(_("provenance"), max_length=10, choices=Provenance.choices, default=Provenance.SOURCE)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Retire an indicator instead of deleting it; cycles already opened keep it."),
    )

    text = Localized("text")

    objects = BehavioralIndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("behavioral indicator")
        verbose_name_plural = _("behavioral indicators")
        ordering = ["competency__order", "level__number", "order"]

    def __str__(self) -> str:
        return self.code

    @property
    def is_drafted(self) -> bool:
        return self.provenance == self.Provenance.DRAFTED

    @property
    def level_number(self) -> int | None:
        return self.level.number if self.level_id else None  # type: ignore[union-attr]
