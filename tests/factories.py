"""Factories for people, positions and ratings."""

from __future__ import annotations

import factory

from assessments import services
from assessments.models import Assessment, CycleIndicator, Department, Employee, Position, RequiredLevel, User
from competency.models import Competency, Track


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = "Key Accounts"


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    user = factory.SubFactory(UserFactory)
    employee_number = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Employee {n}")
    department = factory.SubFactory(DepartmentFactory)


def position_with_requirements(track: Track, *, code: str, level: int) -> Position:
    """A position requiring `level` of every competency of the track."""
    position, _ = Position.objects.get_or_create(code=code, defaults={"track": track, "name_zh": code, "name_en": code})
    for competency in Competency.objects.filter(track=track):
        RequiredLevel.objects.update_or_create(position=position, competency=competency, defaults={"level": level})
    return position


def rate_all(assessment: Assessment, rater: User, score: int = 2, *, submit: bool = False) -> Assessment:
    """Rate every indicator of the assessment's cycle with `score`, optionally submitting."""
    codes = CycleIndicator.objects.filter(cycle_id=assessment.cycle_id).values_list("code", flat=True)
    assessment.refresh_from_db()
    assessment = services.save_ratings(
        assessment=assessment,
        rater=rater,
        ratings={code: services.RatingInput(score=score) for code in codes},
        expected_version=assessment.version,
    )
    if submit:
        assessment = services.submit_assessment(assessment=assessment, user=rater)
    return assessment
