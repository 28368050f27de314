"""dispatch.compiled: a query compiled once answers as the ORM does, with each call's own values."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count, Max, OuterRef, Q, Subquery

from dispatch.compiled import CompiledQuery
from dispatch.models import Technician, WorkOrder
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def _jobs(pk: int, start: datetime, end: datetime):
    """Per technician: how many jobs from start to end, the latest one's time and title."""
    theirs = WorkOrder.objects.filter(assigned_technician=OuterRef("pk")).scheduled_between(start, end)
    return (
        Technician.objects.filter(pk=pk)
        .annotate(
            n=Count(
                "work_orders",
                filter=Q(work_orders__scheduled_for__gte=start, work_orders__scheduled_for__lt=end),
            ),
            latest=Max("work_orders__scheduled_for", filter=Q(work_orders__scheduled_for__lt=end)),
            title=Subquery(theirs.order_by("-scheduled_for").values("title")[:1]),
        )
        .values("name", "n", "latest", "title")
    )


SENTINELS = dict(
    pk=-918_273_645,
    start=datetime(1901, 1, 2, 3, 4, 5, tzinfo=UTC),
    end=datetime(1901, 1, 3, 3, 4, 5, tzinfo=UTC),
)


def test_each_call_runs_the_one_compiled_statement_with_its_own_values(now):
    compiled = CompiledQuery(_jobs, **SENTINELS)
    ann, bob = TechnicianFactory(name="Ann"), TechnicianFactory(name="Bob")
    for hours, who, title in [(1, ann, "Early"), (3, ann, "Late"), (2, bob, "Bob's"), (30, bob, "Tomorrow")]:
        WorkOrderFactory(assigned_technician=who, scheduled_for=now + timedelta(hours=hours), title=title)
    windows = [
        (now, now + timedelta(hours=4)),
        (now, now + timedelta(days=2)),
        (now + timedelta(hours=2), now),
    ]
    for technician in (ann, bob):
        for start, end in windows:
            expected = list(_jobs(technician.pk, start, end))
            assert compiled.rows(pk=technician.pk, start=start, end=end) == expected
    assert (
        compiled._compiled["default"] is not None
    )  # it did compile, and every answer above matched the ORM's
    answer = compiled.rows(pk=bob.pk, start=now, end=now + timedelta(days=2))[0]
    assert answer["n"] == 2 and answer["title"] == "Tomorrow"
    assert answer["latest"] == now + timedelta(hours=30) and answer["latest"].tzinfo is not None
    assert compiled.rows(pk=-1, start=now, end=now) == []


def test_a_value_the_orm_folds_into_the_sql_falls_back_to_the_orm_on_every_call(now):
    """An id used through Python arithmetic never reaches the statement as itself: not cached."""
    compiled = CompiledQuery(
        lambda pk: Technician.objects.filter(pk=pk + 0 if pk > 0 else pk - 1).values("name"), pk=-5
    )
    ann = TechnicianFactory(name="Ann")
    assert compiled.rows(pk=ann.pk) == [{"name": "Ann"}]
    assert compiled._compiled["default"] is None


def test_it_asks_for_exactly_the_values_it_was_built_with():
    compiled = CompiledQuery(_jobs, **SENTINELS)
    with pytest.raises(TypeError, match="expected"):
        compiled.rows(pk=1)
