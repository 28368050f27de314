"""Every office page runs the same, small number of queries whatever the data size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.models import (
    Customer,
    CustomerHistory,
    ManualNotification,
    Notification,
    Technician,
    Visit,
    VisitHelper,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderNote,
    WorkOrderStatus,
)

pytestmark = pytest.mark.django_db

# 15 for the pages, and one for the critical-event banner every office page shows (fieldops events).
MAX_QUERIES = 16
# The work-order page also shows the job's record (fieldops: checklist items and answers, the
# equipment installed, signatures), each one query whatever its size.
# Its calls and messages and the emergency banner take two more (measured 22 after the merge),
# and the job type's length one more when the order has no estimate of its own.
# Its visits and their crews are two more (dispatch.selectors.order_visits).
MAX_QUERIES_BY_PAGE = {"work order detail": MAX_QUERIES + 9}
SMALL, LARGE = 10, 200
HX = {"HX-Request": "true"}


def _data(n: int) -> WorkOrder:
    """n work orders spread over technicians, customers and this week, each with history; returns one
    that has n notes, history rows, notifications and field activity of its own."""
    technicians = Technician.objects.bulk_create(
        [Technician(name=f"Tech {i}", phone="555") for i in range(max(2, n // 20))]
    )
    customers = Customer.objects.bulk_create(
        [Customer(name=f"Customer {i}", address="1 Main St", phone="555") for i in range(max(2, n // 10))]
    )
    now = timezone.now()
    statuses = list(WorkOrderStatus)
    orders = WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                customer=customers[i % len(customers)],
                title=f"Job {i}",
                brief_description="Check cameras",
                status=statuses[i % len(statuses)],
                assigned_technician=technicians[i % len(technicians)] if i % 7 else None,
                scheduled_for=now + dt.timedelta(hours=(i % 48) - 24),
            )
            for i in range(n)
        ]
    )
    focus = orders[0]
    WorkOrderHistory.objects.bulk_create(
        [
            WorkOrderHistory(
                work_order=focus,
                changed_by_type=["office", "technician", "system"][i % 3],
                changed_by_id=1,
                field_changed=["status", "assigned_technician", "customer", "title"][i % 4],
                old_value=None,
                new_value=str(customers[0].pk) if i % 4 == 2 else "1",
            )
            for i in range(n)
        ]
    )
    WorkOrderNote.objects.bulk_create(
        [
            WorkOrderNote(
                work_order=focus, technician=technicians[0], note_text=f"Note {i}", alert_office=i % 2 == 0
            )
            for i in range(n)
        ]
    )
    Notification.objects.bulk_create(
        [Notification(work_order=orders[i], message=f"Alert {i}") for i in range(n)]
    )
    ManualNotification.objects.bulk_create(
        [
            ManualNotification(technician=technicians[i % len(technicians)], work_order=focus, message="Hi")
            for i in range(n)
        ]
    )
    CustomerHistory.objects.bulk_create(
        [CustomerHistory(customer=customers[0], notes=f"Note {i}") for i in range(n)]
    )
    # The focus is booked, with later visits, each with a helper, and helpers on its first visit.
    WorkOrder.objects.filter(pk=focus.pk).update(assigned_technician=technicians[0])
    for i in range(n // 10):
        visit = Visit.objects.create(
            work_order=focus, starts_at=now + dt.timedelta(days=i + 1), lead=technicians[i % len(technicians)]
        )
        VisitHelper.objects.create(
            work_order=focus, visit=visit, technician=technicians[(i + 1) % len(technicians)]
        )
    for technician in technicians[1 : 1 + n // 20]:
        VisitHelper.objects.create(work_order=focus, technician=technician)
    # A later visit today with a helper: crew cards on the board's rows.
    today = Visit.objects.create(work_order=focus, starts_at=now + dt.timedelta(hours=1), lead=technicians[0])
    VisitHelper.objects.create(work_order=focus, visit=today, technician=technicians[1])
    for _ in range(n // 10):
        focus.activities.create(technician=technicians[0], activity_type="arrived_on_site")
        technicians[0].activities.create(activity_type="shift_start")
        focus.travel_logs.create(
            technician=technicians[0], travel_start_time=now - dt.timedelta(hours=1), travel_end_time=now
        )
    return focus


PAGES = [
    ("today", lambda o: "/office/", {}),
    ("today poll", lambda o: "/office/", HX),
    ("work orders", lambda o: "/office/work-orders/?q=job&status=scheduled&status=pending", {}),
    ("work orders sorted page 2", lambda o: "/office/work-orders/?sort=customer&page=2", HX),
    ("work order detail", lambda o: f"/office/work-orders/{o.pk}/", {}),
    ("new work order", lambda o: f"/office/work-orders/new/?customer={o.customer_id}", {}),
    (
        "availability",
        lambda o: (
            f"/office/work-orders/new/availability/?customer={o.customer_id}&scheduled_for=2030-03-11T10:00"
        ),
        HX,
    ),
    ("customer search", lambda o: "/office/work-orders/new/customers/?q=customer", HX),
    ("board day", lambda o: "/office/board/", {}),
    ("board week", lambda o: "/office/board/?view=week", {}),
    ("customers", lambda o: "/office/customers/?q=customer", {}),
    ("customer detail", lambda o: f"/office/customers/{o.customer_id}/", {}),
    ("customer edit", lambda o: f"/office/customers/{o.customer_id}/edit/", {}),
    ("technicians", lambda o: "/office/technicians/", {}),
    ("technician detail", lambda o: f"/office/technicians/{o.technician_id}/", {}),
    ("notifications", lambda o: "/office/notifications/", {}),
    ("badge", lambda o: "/office/notifications/badge/", HX),
]


def _count(client, url: str, headers: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(("name", "url", "headers"), PAGES, ids=[page[0] for page in PAGES])
def test_the_page_runs_the_same_few_queries_at_two_sizes(office_client, name, url, headers):
    counts = []
    for size in (SMALL, LARGE):
        focus = _data(size)
        # The second data set adds to the first: the page sees SMALL + LARGE orders.
        focus.technician_id = Technician.objects.filter(name="Tech 0").values_list("pk", flat=True).last()
        counts.append(_count(office_client, url(focus), headers))
    assert counts[0] == counts[1], (
        f"{name}: {counts[0]} queries with {SMALL} orders, {counts[1]} with {SMALL + LARGE}"
    )
    assert counts[1] <= MAX_QUERIES_BY_PAGE.get(name, MAX_QUERIES), f"{name}: {counts[1]} queries"
