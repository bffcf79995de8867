"""Generate a synthetic organisation on PostgreSQL: a manager tree, one open cycle and every rating.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/generate_org.py --reset

The database defaults to portal_bench. People, the cycle and its assessments go through the project's
services where one exists (positions, create_cycle, open_cycle); the 2.44 million ratings are loaded
with COPY. The functions take a connection, so tests run them inside their own transaction.
"""

# ruff: noqa: E402  (a script started from the shell has to set Django up before importing the project)
from __future__ import annotations

if __name__ == "__main__":
    import bootstrap

    bootstrap.configure()

import argparse
import itertools
import json
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection as default_connection
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.urls import reverse
from django.utils import timezone

from assessments import results, services
from assessments.demo import DEMO_PASSWORD, seed_positions
from assessments.models import (
    Assessment,
    AssessmentEvent,
    CompetencyResult,
    Cycle,
    CycleIndicator,
    Department,
    Employee,
    Position,
    Rating,
    User,
)
from competency.models import Competency, Track
from competency.source import TRACK_CODE
from notifications.models import Notification

PASSWORD = DEMO_PASSWORD
USERNAME_PREFIX = "bench"
NUMBER_PREFIX = "B"
HR_USERS = 5
TEAM_SIZE = (6, 10)
CYCLE_NAME = "Benchmark cycle · 基准测试周期"
# Shares of the organisation, applied by position in the tree so every size, however small, has each case.
SELF_DRAFT_EVERY = 10  # one self-assessment in ten is still a draft
MANAGER_DRAFT_EVERY = 5  # one manager assessment in five is still a draft
SIGNED_OFF_EVERY = 7  # of those with both sides submitted, one in seven is signed off
UNRATED_IN_DRAFT = 0.35  # a draft has about a third of its indicators still unrated
NOTE_SHARE = 0.05  # managers leave an evidence note on one rating in twenty
COPY_CHUNK = 1000  # assessments per COPY of ratings: bounds the deferred foreign-key checks one commit holds

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国红梅文斌宇浩凯琳雪婷晨阳欣怡"


@dataclass(frozen=True)
class Person:
    """One place in the synthetic organisation, by index in breadth-first order (the head is 0)."""

    index: int
    manager: int | None
    depth: int
    department: str
    position: str
    has_reports: bool = False


@dataclass
class GeneratedOrg:
    """What was generated, and how long each phase took."""

    cycle_id: int
    employees: int
    managers: int
    depth: int
    departments: int
    assessments: int
    ratings: int
    hr_usernames: list[str]
    timings: dict[str, float] = field(default_factory=dict)


def username(index: int) -> str:
    return f"{USERNAME_PREFIX}{index:05d}"


def hr_username(number: int) -> str:
    return f"{USERNAME_PREFIX}-hr{number:02d}"


def _department(depth: int, division: int, unit: int) -> str:
    if depth == 0:
        return "Executive office · 总经理办公室"
    if depth == 1:
        return f"Key Accounts division {division} · 大客户事业部{division}"
    return f"Key Accounts {division}.{unit} · 大客户销售{division}-{unit}部"


def org_tree(size: int, rng: random.Random) -> list[Person]:
    """A head and teams of six to ten under each manager in turn, so about one person in eight manages.

    The head's direct reports lead divisions; every subtree below them is one department.
    """
    if size < 1:
        raise ValueError("an organisation has at least its head")
    managers: list[int | None] = [None]
    depths = [0]
    divisions = [0]
    units = [0]
    level = [0]
    while len(managers) < size:
        # In random order, so the last, partly filled level spreads over every department, not the first few.
        rng.shuffle(level)
        below: list[int] = []
        for manager in level:
            for _member in range(min(rng.randint(*TEAM_SIZE), size - len(managers))):
                index = len(managers)
                depth = depths[manager] + 1
                managers.append(manager)
                depths.append(depth)
                if depth == 1:
                    divisions.append(index)
                    units.append(0)
                elif depth == 2:
                    divisions.append(divisions[manager])
                    units.append(index)
                else:
                    divisions.append(divisions[manager])
                    units.append(units[manager])
                below.append(index)
        level = below
    has_reports = {m for m in managers if m is not None}
    division_numbers = {d: n for n, d in enumerate(sorted(set(divisions) - {0}), start=1)}
    unit_numbers: dict[int, int] = {}
    for index in range(size):
        if depths[index] == 2:
            division = divisions[index]
            unit_numbers[index] = sum(1 for u in unit_numbers if divisions[u] == division) + 1
    people = []
    for index in range(size):
        if index in has_reports:
            position = "senior-account-manager"
        else:
            # Four in ten individual contributors are account managers, the rest representatives.
            position = "account-manager" if rng.random() < 0.4 else "account-representative"
        department = _department(
            min(depths[index], 2), division_numbers.get(divisions[index], 0), unit_numbers.get(units[index], 0)
        )
        people.append(Person(index, managers[index], depths[index], department, position, index in has_reports))
    return people


def name_for(index: int) -> str:
    """A plausible Chinese name, the same for the same index."""
    surname = SURNAMES[index % len(SURNAMES)]
    given = GIVEN[(index // len(SURNAMES)) % len(GIVEN)]
    second = GIVEN[(index * 7 + 3) % len(GIVEN)] if index % 3 else ""
    return surname + given + second


# COPY -----------------------------------------------------------------------------------------


def copy_value(value: Any) -> str:
    """One value in the text format COPY reads."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class CopyStream:
    """Lines for COPY FROM STDIN, produced as PostgreSQL reads them instead of all held in memory."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._buffer = b""
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            batch = list(itertools.islice(self._lines, 2000))
            if not batch:
                break
            self.count += len(batch)
            self._buffer += "".join(batch).encode()
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def rows_as_lines(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    for row in rows:
        yield "\t".join(copy_value(v) for v in row) + "\n"


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field.column


def copy_into(
    connection: BaseDatabaseWrapper, model: type[models.Model], fields: Sequence[str], lines: Iterable[str]
) -> int:
    """COPY lines into the model's table, in the columns of the named fields; returns the row count."""
    opts = model._meta
    columns = ", ".join(connection.ops.quote_name(_column(model, name)) for name in fields)
    stream = CopyStream(lines)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN",  # noqa: S608 - names from _meta
            stream,
            size=1 << 16,
        )
    return stream.count


def reserve_ids(connection: BaseDatabaseWrapper, model: type[models.Model], count: int) -> list[int]:
    """Ids taken from the table's own sequence, so rows copied with them never clash with later inserts."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]


# Phases ---------------------------------------------------------------------------------------


class Clock:
    """Times the phases and prints each one as it ends."""

    def __init__(self, out: Callable[[str], None] = print) -> None:
        self.timings: dict[str, float] = {}
        self.out = out

    @contextmanager
    def phase(self, name: str) -> Iterator[dict[str, Any]]:
        facts: dict[str, Any] = {}
        started = time.perf_counter()
        yield facts
        elapsed = time.perf_counter() - started
        self.timings[name] = round(elapsed, 2)
        detail = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in facts.items())
        self.out(f"{name:<14} {elapsed:8.1f} s  {detail}")


def create_people(
    connection: BaseDatabaseWrapper, people: list[Person], positions: dict[str, Position], password_hash: str
) -> tuple[list[int], list[Department]]:
    """Departments, users and employees; returns the employee ids in the people's order and the departments."""
    names = sorted({p.department for p in people})
    Department.objects.bulk_create([Department(name=name) for name in names], ignore_conflicts=True)
    departments = dict(Department.objects.filter(name__in=names).values_list("name", "pk"))
    user_ids = reserve_ids(connection, User, len(people))
    employee_ids = reserve_ids(connection, Employee, len(people))
    joined = timezone.now() - timedelta(days=400)
    copy_into(
        connection,
        User,
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "is_hr",
            "language",
            "receives_reminders",
        ],
        rows_as_lines(
            (
                user_ids[p.index],
                password_hash,
                False,
                username(p.index),
                "",
                "",
                f"{username(p.index)}@example.com",
                False,
                True,
                joined,
                False,
                # One person in ten reads the portal in English.
                "en" if p.index % 10 == 4 else "",
                True,
            )
            for p in people
        ),
    )
    copy_into(
        connection,
        Employee,
        ["id", "user", "employee_number", "name", "department", "position", "manager"],
        rows_as_lines(
            (
                employee_ids[p.index],
                user_ids[p.index],
                f"{NUMBER_PREFIX}{p.index:05d}",
                name_for(p.index),
                departments[p.department],
                positions[p.position].pk,
                employee_ids[p.manager] if p.manager is not None else None,
            )
            for p in people
        ),
    )
    return employee_ids, list(Department.objects.filter(pk__in=departments.values()))


def create_hr_users(password_hash: str, count: int = HR_USERS) -> list[User]:
    users = []
    for number in range(1, count + 1):
        user, _created = User.objects.update_or_create(
            username=hr_username(number),
            defaults={"password": password_hash, "is_hr": True, "is_staff": True, "email": f"hr{number}@example.com"},
        )
        users.append(user)
    return users


@contextmanager
def notifications_left_to_the_generator() -> Iterator[None]:
    """Opening the cycle would email every participant through the broker; the generator writes the inbox itself."""
    from assessments import signals
    from notifications import receivers

    # The receiver's dispatch_uid is how the notifications app connects it (notifications/receivers.py).
    was_connected = signals.cycle_opened.disconnect(dispatch_uid="notifications.on_cycle_opened")
    try:
        yield
    finally:
        if was_connected:
            receivers.connect()


def open_benchmark_cycle(*, track: Track, hr: User, departments: Iterable[Department]) -> Cycle:
    """The open cycle everyone takes part in, created and opened through the services as HR does."""
    today = timezone.localdate()
    cycle = services.create_cycle(
        name=CYCLE_NAME,
        track=track,
        self_assessment_opens_on=today - timedelta(days=14),
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today - timedelta(days=14),
        manager_assessment_due_on=today + timedelta(days=21),
        created_by=hr,
        departments=departments,
    )
    with notifications_left_to_the_generator():
        return services.open_cycle(cycle=cycle, opened_by=hr)


@dataclass(frozen=True)
class Plan:
    """The state one assessment is left in."""

    assessment_id: int
    employee_index: int
    kind: str
    status: str
    rater_user_id: int | None
    saved_at: datetime
    submitted_at: datetime | None
    signed_off_at: datetime | None


def plan_assessments(
    rows: Iterable[tuple[int, int, str]], people: list[Person], employee_ids: list[int], user_ids: dict[int, int]
) -> list[Plan]:
    """Statuses by position in the tree: most submitted, some drafts, some signed off.

    `rows` are (assessment id, employee id, kind); `user_ids` the user id by employee id.
    """
    index_of = {employee_id: index for index, employee_id in enumerate(employee_ids)}
    now = timezone.now()
    plans = []
    for assessment_id, employee_id, kind in rows:
        index = index_of[employee_id]
        person = people[index]
        self_draft = index % SELF_DRAFT_EVERY == SELF_DRAFT_EVERY - 3
        # The head has no manager, so nobody can fill in or submit the head's manager assessment.
        manager_draft = person.manager is None or index % MANAGER_DRAFT_EVERY == 2
        signed_off = not self_draft and not manager_draft and index % SIGNED_OFF_EVERY == 0
        rater: int | None
        if kind == Assessment.Kind.SELF:
            draft = self_draft
            rater = user_ids[employee_id]
        else:
            draft = manager_draft
            rater = user_ids[employee_ids[person.manager]] if person.manager is not None else None
        saved_at = now - timedelta(days=(index % 10) + 1, minutes=index % 600)
        status = Assessment.Status.DRAFT if draft else Assessment.Status.SUBMITTED
        if signed_off:
            status = Assessment.Status.SIGNED_OFF
        plans.append(
            Plan(
                assessment_id=assessment_id,
                employee_index=index,
                kind=kind,
                status=status,
                rater_user_id=rater,
                saved_at=saved_at,
                submitted_at=None if draft else saved_at + timedelta(minutes=5),
                signed_off_at=saved_at + timedelta(days=1) if signed_off else None,
            )
        )
    return plans


def apply_plans(connection: BaseDatabaseWrapper, plans: list[Plan]) -> None:
    """Set every assessment's status, version and dates from the plans, in one UPDATE."""
    table = connection.ops.quote_name(Assessment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_plan (id bigint PRIMARY KEY, status varchar(12), version integer, "
            "saved_at timestamptz, saved_by bigint, submitted_at timestamptz, signed_off_at timestamptz)"
        )
        cursor.copy_expert(
            "COPY bench_plan FROM STDIN",
            CopyStream(
                rows_as_lines(
                    (
                        p.assessment_id,
                        p.status,
                        # A save raised the version to 1 and submitting to 2.
                        1 if p.status == Assessment.Status.DRAFT else 2,
                        p.saved_at,
                        p.rater_user_id,
                        p.submitted_at,
                        p.signed_off_at,
                    )
                    for p in plans
                )
            ),
        )
        cursor.execute(
            f"UPDATE {table} AS a SET status = p.status, version = p.version, last_saved_at = p.saved_at, "  # noqa: S608 - name from _meta
            "last_saved_by_id = p.saved_by, submitted_at = p.submitted_at, signed_off_at = p.signed_off_at, "
            "manager_signed_off_at = CASE WHEN a.kind = 'manager' THEN p.signed_off_at END, "
            "employee_acknowledged_at = CASE WHEN a.kind = 'manager' THEN p.signed_off_at END "
            "FROM bench_plan AS p WHERE a.id = p.id"
        )
        cursor.execute("DROP TABLE bench_plan")


def rating_lines(
    plans: Sequence[Plan], indicators: Sequence[tuple[int, int | None]], people: list[Person], seed: int
) -> Iterator[str]:
    """Every indicator of every planned assessment: stronger at level 1 than level 3, varied by person.

    `indicators` are (cycle indicator id, level number or None for a generic competency).
    """
    for plan in plans:
        rng = random.Random(f"{seed}-{plan.assessment_id}")
        person_rng = random.Random(f"{seed}-person-{plan.employee_index}")
        strength = person_rng.gauss(2.0, 0.45) + (0.4 if people[plan.employee_index].has_reports else 0.0)
        # People rate themselves a little higher than their managers do.
        if plan.kind == Assessment.Kind.SELF:
            strength += 0.3
        is_draft = plan.status == Assessment.Status.DRAFT
        is_manager = plan.kind == Assessment.Kind.MANAGER
        stamp = plan.saved_at.isoformat()
        prefix = f"{plan.assessment_id}\t"
        for indicator_id, level in indicators:
            if is_draft and rng.random() < UNRATED_IN_DRAFT:
                score = "\\N"
            else:
                value = strength + 0.9 - 0.6 * (level or 2) + rng.uniform(-1.0, 1.0)
                score = str(max(0, min(3, round(value))))
            note = ""
            if is_manager and rng.random() < NOTE_SHARE:
                note = f"Observed in the account review of week {rng.randint(1, 52)}; see the CRM notes."
            yield f"{prefix}{indicator_id}\t{score}\t{note}\t{stamp}\n"


@contextmanager
def row_triggers_skipped(connection: BaseDatabaseWrapper) -> Iterator[bool]:
    """Within the current transaction, skip the per-row foreign-key triggers if this role may.

    Checking each of millions of references one by one at commit is most of the time COPY takes;
    the caller checks them all in one query afterwards instead. Yields whether they were skipped.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            yield False
            return
        cursor.execute("SHOW session_replication_role")
        previous = cursor.fetchone()[0]
        cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield True
        finally:
            # Restored explicitly: inside a test's transaction a released savepoint would keep the setting.
            cursor.execute("SELECT set_config('session_replication_role', %s, true)", [previous])


def check_rating_references(connection: BaseDatabaseWrapper) -> None:
    """Every rating points at an existing assessment and cycle indicator, checked in one pass."""
    rating = connection.ops.quote_name(Rating._meta.db_table)
    assessment = connection.ops.quote_name(Assessment._meta.db_table)
    indicator = connection.ops.quote_name(CycleIndicator._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {rating} AS r "  # noqa: S608 - names from _meta
            f"WHERE NOT EXISTS (SELECT 1 FROM {assessment} AS a WHERE a.id = r.assessment_id) "
            f"OR NOT EXISTS (SELECT 1 FROM {indicator} AS i WHERE i.id = r.indicator_id)"
        )
        orphans = cursor.fetchone()[0]
    if orphans:
        raise RuntimeError(f"{orphans} ratings point at a missing assessment or indicator")


def load_ratings(
    connection: BaseDatabaseWrapper,
    plans: list[Plan],
    indicators: Sequence[tuple[int, int | None]],
    people: list[Person],
    seed: int,
) -> int:
    """COPY every rating, a chunk of assessments per transaction, then check their references."""
    total = 0
    unchecked = False
    for start in range(0, len(plans), COPY_CHUNK):
        chunk = plans[start : start + COPY_CHUNK]
        with transaction.atomic(using=connection.alias), row_triggers_skipped(connection) as skipped:
            unchecked = unchecked or skipped
            total += copy_into(
                connection,
                Rating,
                ["assessment", "indicator", "score", "note", "updated_at"],
                rating_lines(chunk, indicators, people, seed),
            )
    if unchecked:
        check_rating_references(connection)
    return total


def event_rows(plans: Iterable[Plan]) -> Iterator[tuple[Any, ...]]:
    """The audit trail the services would have written: a save, a submission and the manager's sign-off."""
    for plan in plans:
        yield (plan.assessment_id, plan.rater_user_id, AssessmentEvent.Action.SAVED, "", plan.saved_at)
        if plan.submitted_at is not None:
            yield (plan.assessment_id, plan.rater_user_id, AssessmentEvent.Action.SUBMITTED, "", plan.submitted_at)
        if plan.signed_off_at is not None and plan.kind == Assessment.Kind.MANAGER:
            yield (plan.assessment_id, plan.rater_user_id, AssessmentEvent.Action.SIGNED_OFF, "", plan.signed_off_at)


def notification_rows(
    cycle: Cycle, plans: Iterable[Plan], employee_ids: list[int], user_ids: dict[int, int]
) -> Iterator[tuple[Any, ...]]:
    """Each participant's "cycle opened" notice, as already emailed."""
    opened = cycle.opened_at or timezone.now()
    title = f"The assessment cycle “{cycle.name}” is open"
    body = f"Please complete your self-assessment by {cycle.self_assessment_due_on.isoformat()}."
    for plan in plans:
        if plan.kind != Assessment.Kind.SELF:
            continue
        recipient = user_ids[employee_ids[plan.employee_index]]
        link = reverse("assessment", kwargs={"pk": plan.assessment_id})
        yield (recipient, Notification.Kind.CYCLE_OPENED, title, body, link, "[]", opened, "sent", opened, "")


def generate(
    *,
    employees: int,
    seed: int = 1,
    connection: BaseDatabaseWrapper | None = None,
    out: Callable[[str], None] = print,
    analyze: bool = True,
) -> GeneratedOrg:
    """Generate the organisation into a migrated database that has the shipped model loaded."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        raise SystemExit("error: the generator loads data with PostgreSQL's COPY; it does not run on SQLite")
    clock = Clock(out)
    rng = random.Random(seed)
    track = Track.objects.get(code=TRACK_CODE)
    with clock.phase("positions") as facts, transaction.atomic(using=connection.alias):
        positions = seed_positions(track)
        facts["positions"] = len(positions)
    with clock.phase("tree") as facts:
        people = org_tree(employees, rng)
        facts["people"] = len(people)
        facts["managers"] = sum(p.has_reports for p in people)
        facts["depth"] = max(p.depth for p in people)
    with clock.phase("people") as facts, transaction.atomic(using=connection.alias):
        # One hash for everyone: hashing ten thousand passwords would take longer than the rest together.
        password_hash = make_password(PASSWORD)
        employee_ids, departments = create_people(connection, people, positions, password_hash)
        hr_users = create_hr_users(password_hash)
        facts["users"] = len(employee_ids) + len(hr_users)
    with clock.phase("cycle") as facts:
        cycle = open_benchmark_cycle(track=track, hr=hr_users[0], departments=departments)
        facts["participants"] = cycle.participants.count()
        facts["indicators"] = CycleIndicator.objects.filter(cycle=cycle).count()
    with clock.phase("statuses") as facts, transaction.atomic(using=connection.alias):
        user_ids = dict(Employee.objects.filter(pk__in=employee_ids).values_list("pk", "user_id"))
        rows = Assessment.objects.filter(cycle=cycle).order_by("pk").values_list("pk", "employee_id", "kind")
        plans = plan_assessments(rows, people, employee_ids, user_ids)
        apply_plans(connection, plans)
        facts["assessments"] = len(plans)
        facts["drafts"] = sum(p.status == Assessment.Status.DRAFT for p in plans)
    with clock.phase("ratings") as facts:
        indicators = list(
            CycleIndicator.objects.filter(cycle=cycle).order_by("position").values_list("pk", "level_number")
        )
        rating_count = load_ratings(connection, plans, indicators, people, seed)
        facts["ratings"] = rating_count
    with clock.phase("results") as facts, transaction.atomic(using=connection.alias):
        # What submit_assessment stores, computed with the same rule from the ratings just loaded.
        submitted = [p.assessment_id for p in plans if p.status != Assessment.Status.DRAFT]
        facts["results"] = results.store_results(cycle=cycle, assessment_ids=submitted)
    with clock.phase("events") as facts, transaction.atomic(using=connection.alias):
        facts["events"] = copy_into(
            connection,
            AssessmentEvent,
            ["assessment", "actor", "action", "detail", "at"],
            rows_as_lines(event_rows(plans)),
        )
        facts["notifications"] = copy_into(
            connection,
            Notification,
            [
                "recipient",
                "kind",
                "title",
                "body",
                "link",
                "items",
                "created_at",
                "email_state",
                "emailed_at",
                "email_error",
            ],
            rows_as_lines(notification_rows(cycle, plans, employee_ids, user_ids)),
        )
    if analyze:
        with clock.phase("analyze"), connection.cursor() as cursor:
            # Fresh statistics, as autovacuum would gather them in a day of normal use.
            for model in (
                User,
                Employee,
                Department,
                Assessment,
                Rating,
                CompetencyResult,
                CycleIndicator,
                AssessmentEvent,
                Notification,
            ):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return GeneratedOrg(
        cycle_id=cycle.pk,
        employees=len(people),
        managers=sum(p.has_reports for p in people),
        depth=max(p.depth for p in people),
        departments=len({p.department for p in people}),
        assessments=len(plans),
        ratings=rating_count,
        hr_usernames=[u.username for u in hr_users],
        timings=clock.timings,
    )


# The database ---------------------------------------------------------------------------------


def _admin_connection() -> Any:
    """A connection to the server's maintenance database, for CREATE and DROP DATABASE."""
    import psycopg2

    db = settings.DATABASES["default"]
    admin = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    admin.autocommit = True
    return admin


def prepare_database(*, reset: bool, out: Callable[[str], None] = print) -> None:
    """Create (or with `reset`, drop and recreate) the configured database, migrate it and load the model."""
    from psycopg2 import sql

    name = settings.DATABASES["default"]["NAME"]
    if reset and "bench" not in name:
        # A typo in DATABASE_URL must never drop someone's real data.
        raise SystemExit(f"error: --reset only drops databases whose name contains 'bench', not {name!r}")
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            if reset:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                out(f"created database {name}")
    finally:
        admin.close()
    call_command("migrate", interactive=False, verbosity=0)
    if not Track.objects.filter(code=TRACK_CODE).exists():
        call_command("loaddata", "key_account_sales", verbosity=0)


def existing_org() -> int:
    """How many generated employees the database already has."""
    return Employee.objects.filter(employee_number__startswith=NUMBER_PREFIX).count()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000, help="people in the organisation (default 10000)")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random choices (default 1)")
    parser.add_argument("--json", help="also write what was generated, with the timings, to this file")
    parser.add_argument(
        "--migrate-only", action="store_true", help="only bring an existing database up to the latest migrations"
    )
    args = parser.parse_args(argv)
    if args.migrate_only:
        prepare_database(reset=False)
        return 0
    name = settings.DATABASES["default"]["NAME"]
    started = time.perf_counter()
    clock = Clock()
    with clock.phase("database"):
        prepare_database(reset=args.reset)
    if existing_org():
        print(f"error: {name} already has a generated organisation; run again with --reset", file=sys.stderr)
        return 1
    if not Competency.objects.exists():
        print("error: the competency model is missing", file=sys.stderr)
        return 1
    org = generate(employees=args.employees, seed=args.seed)
    org.timings = {**clock.timings, **org.timings}
    total = time.perf_counter() - started
    print(f"{'total':<14} {total:8.1f} s  into {name}")
    if args.json:
        payload = {
            "database": name,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "seed": args.seed,
            "total_seconds": round(total, 1),
            **org.__dict__,
        }
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
