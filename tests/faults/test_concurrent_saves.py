"""Two people (or two tabs) saving the same assessment at the same moment: one wins, the other is told."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from assessments import services
from assessments.models import Assessment, Rating
from tests.factories import EmployeeFactory, position_with_requirements

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def assessment(transactional_db):
    from datetime import timedelta

    from django.utils import timezone

    from assessments.models import User
    from competency.models import Track

    call_command("loaddata", "key_account_sales", verbosity=0)
    track = Track.objects.get()
    position = position_with_requirements(track, code="rep", level=1)
    hr = User.objects.create(username="hr-race", is_hr=True)
    employee = EmployeeFactory(position=position)
    today = timezone.localdate()
    cycle = services.create_cycle(
        name="Race",
        track=track,
        self_assessment_opens_on=today,
        self_assessment_due_on=today + timedelta(days=3),
        manager_assessment_opens_on=today,
        manager_assessment_due_on=today + timedelta(days=5),
        created_by=hr,
        employees=[employee],
    )
    services.open_cycle(cycle=cycle, opened_by=hr)
    return Assessment.objects.select_related("employee__user", "cycle").get(employee=employee, kind="self")


def test_of_two_simultaneous_saves_from_one_version_exactly_one_wins(assessment):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(score: int) -> None:
        try:
            mine = Assessment.objects.select_related("employee__user", "cycle").get(pk=assessment.pk)
            barrier.wait(timeout=10)
            services.save_ratings(
                assessment=mine,
                rater=mine.employee.user,
                ratings={"MKT-1-01": services.RatingInput(score=score, note=f"tab {score}")},
                expected_version=0,
            )
            outcomes.append(f"saved {score}")
        except services.StaleWrite:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(score,)) for score in (1, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o.split()[0] for o in outcomes) == ["saved", "stale"]
    winner = int(next(o for o in outcomes if o.startswith("saved")).split()[1])
    rating = Rating.objects.get(assessment=assessment, indicator__code="MKT-1-01")
    assert (rating.score, rating.note) == (winner, f"tab {winner}")
    assert Assessment.objects.get(pk=assessment.pk).version == 1
