"""The office in words: a conflict says only what changed since the editor's copy, who and when,
in a dispatcher's labels; the timeline shows a creation as one row."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from dispatch import formatting, selectors
from dispatch.models import WorkOrder
from dispatch.services import Actor, StaleWorkOrder, work_order_open, work_order_update
from dispatch.tests.factories import CustomerFactory, TechnicianFactory

pytestmark = pytest.mark.django_db


def _opened(office_user, now):
    mike = TechnicianFactory(name="Mike Johnson")
    start = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    while start.weekday() >= 5:
        start += dt.timedelta(days=1)
    order = work_order_open(
        actor=Actor.for_user(office_user),
        created_by=office_user,
        customer=CustomerFactory(
            name="City Bank", preferred_schedule_start=None, preferred_schedule_end=None
        ),
        title="Replace lobby dome",
        brief_description="Cracked housing",
        technician=mike,
        scheduled_for=start,
    )
    return order, mike


def _refusal(error: StaleWorkOrder) -> str:
    return " ".join(error.messages)


def test_a_conflict_names_only_the_change_after_the_editors_copy_who_made_it_and_when(office_user, now):
    order, mike = _opened(office_user, now)
    loaded = WorkOrder.objects.get(pk=order.pk)
    sarah = TechnicianFactory(name="Sarah Williams")
    work_order_update(
        work_order=WorkOrder.objects.get(pk=order.pk),
        actor=Actor("technician", sarah.pk),
        status="in_progress",
    )

    with pytest.raises(StaleWorkOrder) as caught:
        work_order_update(
            work_order=loaded,
            actor=Actor.for_user(office_user),
            expected_version=loaded.version,
            title="Other",
        )
    said = _refusal(caught.value)
    assert "Status: Scheduled → In progress" in said
    assert "Sarah Williams" in said and "someone else" not in said
    changed_at = order.history.filter(version=loaded.version + 1).first().created_at
    assert formatting.when(changed_at) in said
    # Nothing from the order's creation, no field names, no ids, no UTC timestamps.
    for internal in (
        "Replace lobby dome",
        "City Bank",
        "assigned_technician",
        "status",
        "+00:00",
        f"#{mike.pk} ",
    ):
        assert internal not in said.replace(f"#{order.pk} ", ""), internal


def test_a_conflict_with_my_own_other_tab_says_so(office_user, now):
    order, mike = _opened(office_user, now)
    loaded = WorkOrder.objects.get(pk=order.pk)
    sarah = TechnicianFactory(name="Sarah Williams")
    work_order_update(
        work_order=WorkOrder.objects.get(pk=order.pk),
        actor=Actor.for_user(office_user),
        assigned_technician=sarah,
    )

    with pytest.raises(StaleWorkOrder) as caught:
        work_order_update(
            work_order=loaded,
            actor=Actor.for_user(office_user),
            expected_version=loaded.version,
            title="Other",
        )
    said = _refusal(caught.value)
    assert "you, in another tab" in said
    assert "Technician: Mike Johnson → Sarah Williams" in said


def test_a_conflict_from_another_dispatcher_names_them(office_user, django_user_model, now):
    order, _ = _opened(office_user, now)
    loaded = WorkOrder.objects.get(pk=order.pk)
    other = django_user_model.objects.create_user("dana", first_name="Dana", last_name="Ruiz")
    other.groups.add(Group.objects.get_or_create(name="Office")[0])
    work_order_update(
        work_order=WorkOrder.objects.get(pk=order.pk), actor=Actor.for_user(other), title="Replace two domes"
    )
    with pytest.raises(StaleWorkOrder) as caught:
        work_order_update(
            work_order=loaded,
            actor=Actor.for_user(office_user),
            expected_version=loaded.version,
            title="Mine",
        )
    said = _refusal(caught.value)
    assert "Dana Ruiz" in said and "Title: Replace lobby dome → Replace two domes" in said
    assert "another tab" not in said


def test_creating_an_order_is_one_timeline_row_in_a_dispatchers_words(office_user, now):
    order, mike = _opened(office_user, now)
    work_order_update(work_order=order, actor=Actor.for_user(office_user), title="Replace two domes")
    detail = selectors.work_order_for_detail(order.pk)
    entries = [e for e in selectors.work_order_timeline(detail, {mike.pk: mike.name}) if e.kind == "history"]
    assert [e.title for e in entries].count("Work order created") == 1
    assert len(entries) == 2
    created = next(e for e in entries if e.title == "Work order created")
    assert "Technician: Mike Johnson" in created.detail and "Customer: City Bank" in created.detail
    assert "Status: Scheduled" in created.detail
    changed = next(e for e in entries if e.title != "Work order created")
    assert changed.title == "Title changed" and changed.detail == "Replace lobby dome → Replace two domes"
    for entry in entries:
        assert "_" not in entry.title + entry.detail


def _row_ids(html: str) -> list[int]:
    body = html.split("<tbody", 1)[1]
    return [int(chunk.split("/", 1)[0]) for chunk in body.split('href="/office/work-orders/')[1:]][::2]


def test_the_work_order_list_opens_on_today_then_upcoming_then_past_and_keeps_every_sort(office_client, now):
    from dispatch import clock
    from dispatch.tests.factories import WorkOrderFactory

    today = clock.localdate()

    def at(days: int, hour: int):
        return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour)))

    later_today = WorkOrderFactory(scheduled_for=at(0, 15))
    earlier_today = WorkOrderFactory(scheduled_for=at(0, 8))
    far = WorkOrderFactory(scheduled_for=at(40, 9))
    tomorrow = WorkOrderFactory(scheduled_for=at(1, 9))
    long_ago = WorkOrderFactory(scheduled_for=at(-30, 9))
    yesterday = WorkOrderFactory(scheduled_for=at(-1, 9))
    no_time = WorkOrderFactory(scheduled_for=None, assigned_technician=None, status="pending")
    html = office_client.get("/office/work-orders/").content.decode()
    expected = [earlier_today, later_today, tomorrow, far, yesterday, long_ago, no_time]
    assert _row_ids(html) == [o.pk for o in expected]
    assert formatting.when(tomorrow.scheduled_for) in html  # one time style: the `when` filter
    newest = office_client.get("/office/work-orders/?sort=-scheduled_for").content.decode()
    assert [pk for pk in _row_ids(newest) if pk != no_time.pk][:2] == [far.pk, tomorrow.pk]
    by_title = office_client.get("/office/work-orders/?sort=title").content.decode()
    assert sorted(_row_ids(by_title)) == sorted(o.pk for o in expected)
