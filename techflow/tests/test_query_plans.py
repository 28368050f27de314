"""Every main page's queries use an index on the large tables: a plan regression fails CI, no timing.

A moderate company is generated once for the module (generate_scale_data's own code, 20
technicians over 60 days: about 2,000 work orders, 13,000 activity rows, 20,000 history
rows) and ANALYZEd, so the planner works from real statistics. Each page is requested
through the test client as the office, the admin or a technician, its SQL captured, and
every SELECT explained and run (EXPLAIN (ANALYZE, FORMAT JSON), a read inside the test's
transaction). A scan that reads one of the large tables whole fails the page: at a year of 500
technicians that scan is the page's cost.

Why `SET enable_seqscan = off` for the EXPLAIN: at this moderate size a table is a few
dozen pages, and the planner rightly prefers scanning it to any index, so with real
statistics almost every page would "fail" for a reason that disappears at scale. With
sequential scans priced out the planner takes an index wherever one can serve the query,
so the test asks the question that does not depend on size: can this query be answered
from an index with a condition? A Seq Scan that remains means no index can; an index scan
with no Index Cond (a whole index walked) is counted as a full scan too, since that is
what the planner falls back to when the only alternative is the priced-out Seq Scan.

A page added to the office or the phone belongs in PAGES.
"""

import datetime as dt
import json

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dispatch import selectors
from dispatch.models import Technician, WorkOrder, WorkOrderHistory, WorkOrderStatus
from techflow import scale

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 3, 11, 19, 0, tzinfo=dt.UTC)  # 15:00 in New York, a Wednesday
LARGE_TABLES = {
    "work_orders",
    "technician_activity",
    "work_order_history",
    "stock_movements",
    "travel_logs",
    "technician_clock_records",
    "notifications",
    "report_technician_days",
    "report_jobs",
}


@pytest.fixture(scope="module")
def company(django_db_setup, django_db_blocker):
    """The generated company, committed for this module's tests and wiped after them."""
    with time_machine.travel(NOW, tick=False), django_db_blocker.unblock():
        # Truncating first gives every table fresh files: rows that earlier tests rolled back
        # leave dead pages behind, and the planner prices a bloated table differently.
        scale.wipe()
        scale.generate(technicians=20, customers=400, days=60, now=NOW)
        # generate ANALYZEs what it loaded; the rest (logins, sessions, groups) too, so that no
        # plan depends on statistics other tests in the session left behind.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        mike = Technician.objects.get(user__username="mike")
        ids = {
            "job": WorkOrder.objects.today().for_technician(mike).order_by("scheduled_for")[0].pk,
            "work_order": WorkOrder.objects.filter(status=WorkOrderStatus.COMPLETED, assigned_technician=mike)
            .order_by("-scheduled_for")[0]
            .pk,
            "truck": mike.pk + 1,  # each technician's own service truck (the office truck is 1)
            "technician": mike.pk,
            "customer": WorkOrder.objects.filter(assigned_technician=mike)
            .exclude(customer=None)[0]
            .customer_id,
            "open_order": WorkOrder.objects.to_place().order_by("scheduled_for", "id")[0].pk,
            "fingerprint": selectors.office_fingerprint(),
        }
        try:
            yield ids
        finally:
            scale.wipe()


SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"}
READS_ALL = {"Sort", "Hash", "Aggregate", "SetOp", "Materialize"}


# Under a Limit, an index walk with no condition may still read most of its table: when its
# filter (or the join above it) rejects what it reads, it walks on until the index runs out. The
# walk is measured (EXPLAIN ANALYZE: the rows it read, filtered out included, over all its loops)
# and fails when it read more than this share of the table and more than WALK_FLOOR rows beyond
# twice what the Limit returned (a capped count, LIMIT 1001, reads its 1,001 rows and stops).
WALK_SHARE = 0.1
WALK_FLOOR = 200


def _rows_read(plan: dict) -> float:
    read = (
        plan.get("Actual Rows", 0)
        + plan.get("Rows Removed by Filter", 0)
        + plan.get("Rows Removed by Index Recheck", 0)
    )
    return read * plan.get("Actual Loops", 1)  # each figure is per loop


def _full_scans(
    plan: dict,
    *,
    limited: bool = False,
    partial: frozenset[str] = frozenset(),
    sizes: dict[str, float] | None = None,
    returned: float = 0,
) -> list[str]:
    """Scans of a large table that read it whole: a Seq Scan, or an index walked without a condition.

    An index walked with no Index Cond and no Limit above it (COUNT(*) by an index-only scan
    of the primary key, a GROUP BY join over every order) reads as much as a sequential scan
    once the table is large. Under a Limit ("the latest 25") an unbounded walk stops early, so
    it is judged by what it read (with `sizes`, the tables' row counts, and an analysed plan):
    a walk that read more than WALK_SHARE of its table did not stop early (a filter that
    discards most rows, a join that rejects them). A walk of a partial index (`partial`) is
    bounded by its condition: it holds only the rows a page is about (the board's tray, the
    unread alerts), never a year of closed ones.
    """
    found = []
    table = plan.get("Relation Name")
    if plan.get("Node Type") == "Limit":
        limited, returned = True, plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1)
    if plan.get("Node Type") in READS_ALL:
        # A sort, hash or aggregate reads its whole input before the Limit above it sees a row.
        limited = False
    if plan.get("Node Type") in SCANS and table in LARGE_TABLES:
        bounded = "Index Cond" in plan or "Recheck Cond" in plan or plan.get("Index Name") in partial
        how = plan["Node Type"] + (f" using {plan['Index Name']}" if "Index Name" in plan else "")
        if plan["Node Type"] == "Seq Scan" or not (bounded or limited):
            found.append(f"{how} on {table}")
        elif not bounded and sizes and "Actual Rows" in plan:
            read = _rows_read(plan)
            if read > WALK_FLOOR + 2 * returned and read > WALK_SHARE * sizes.get(table, 0):
                found.append(f"{how} on {table} under a Limit read {read:.0f} of its {sizes[table]:.0f} rows")
    for child in plan.get("Plans", []):
        found += _full_scans(child, limited=limited, partial=partial, sizes=sizes, returned=returned)
    return found


def _explain_scans(queries: list[dict]) -> list[str]:
    problems = []
    with connection.cursor() as cursor:
        # Wherever an index can serve the query the planner must take it (see the docstring).
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Merge and hash joins read both inputs whole; at a few hundred rows they are the cheapest
        # join under a sort, and at a year of data the planner takes the nested loop under the
        # Limit instead. Priced out with the sequential scan, for the same reason.
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indpred IS NOT NULL")
        partial = frozenset(name for (name,) in cursor.fetchall())
        tables = list(LARGE_TABLES)
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [tables])
        sizes = dict(cursor.fetchall())
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            # ANALYZE runs the query (a read, inside the test's transaction) to count what each
            # walk under a Limit really read.
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            raw = cursor.fetchone()[0]
            plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
            for scan in _full_scans(plan, partial=partial, sizes=sizes):
                problems.append(f"{scan}: {sql[:300]}")
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_mergejoin = on")
        cursor.execute("SET LOCAL enable_hashjoin = on")
    return problems


PAGES = [
    ("office_today", "office", "/office/", {}),
    ("office_today_poll", "office", "/office/?since={fingerprint}", {"HX-Request": "true"}),
    ("board_day", "office", "/office/board/?view=day", {}),
    ("board_week", "office", "/office/board/?view=week", {}),
    ("work_order_list", "office", "/office/work-orders/", {}),
    ("work_order_detail", "office", "/office/work-orders/{work_order}/", {}),
    ("customers", "office", "/office/customers/", {}),
    ("technicians", "office", "/office/technicians/", {}),
    ("field_view", "office", "/office/field/", {}),
    ("timesheets", "office", "/office/field/timesheets/", {}),
    ("notifications", "office", "/office/notifications/", {}),
    ("stock_matrix", "office", "/office/inventory/", {}),
    ("replenishment", "office", "/office/inventory/trucks/{truck}/replenishment/", {}),
    ("usage", "office", "/office/inventory/usage/", {}),
    ("admin_work_orders", "admin", "/admin/dispatch/workorder/", {}),
    # The pages behind those: polls, filters, pickers, later pages and the other large changelists.
    ("board_poll", "office", "/office/board/?view=week&since={fingerprint}", {"HX-Request": "true"}),
    ("work_order_list_by_customer", "office", "/office/work-orders/?customer={customer}", {}),
    ("work_order_list_page_3", "office", "/office/work-orders/?page=3", {}),
    ("customer_picker", "office", "/office/work-orders/new/customers/?q=a", {}),
    ("new_work_order", "office", "/office/work-orders/new/", {}),
    ("suggestions", "office", "/office/work-orders/{open_order}/suggestions/", {}),
    ("technician_detail", "office", "/office/technicians/{technician}/", {}),
    ("technicians_all", "office", "/office/technicians/?show=all&page=1", {}),
    ("notifications_unread", "office", "/office/notifications/?show=unread", {}),
    ("movements", "office", "/office/inventory/movements/", {}),
    ("admin_activity", "admin", "/admin/fieldops/technicianactivity/", {}),
    ("admin_history", "admin", "/admin/dispatch/workorderhistory/", {}),
    ("admin_movements", "admin", "/admin/inventory/stockmovement/", {}),
    ("admin_notifications", "admin", "/admin/dispatch/notification/", {}),
    ("admin_clock_records", "admin", "/admin/fieldops/clockrecord/", {}),
    # The numbers and the calls (#16): the reports over the default week and the longest period.
    ("reports", "office", "/office/field/reports/", {}),
    ("reports_92_days", "office", "/office/field/reports/?start=2025-12-10&end=2026-03-11", {}),
    ("reports_csv", "office", "/office/field/reports.csv?start=2025-12-10&end=2026-03-11", {}),
    ("calls", "office", "/office/calls/", {}),
    ("missed_calls", "office", "/office/calls/missed/", {}),
    ("events", "office", "/office/field/events/", {}),
    ("customer_messages", "office", "/office/messages/", {}),
    ("my_day", "mike", "/tech/", {}),
    ("job_page", "mike", "/tech/jobs/{job}/", {}),
    ("agent_page", "mike", "/tech/agent/", {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path", "headers"),
    [pytest.param(who, path, headers, id=name) for name, who, path, headers in PAGES],
)
def test_page_queries_use_an_index_on_the_large_tables(company, who, path, headers):
    client = Client()
    client.force_login(get_user_model().objects.get(username=who))
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
        response = client.get(path.format(**company), headers=headers)
    assert response.status_code == (204 if headers else 200)
    assert len(captured) > 0
    problems = _explain_scans(captured.captured_queries)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_check_tells_a_full_scan_from_an_index_lookup(company):
    """The plan walk sees a whole-table read when there is one, and passes a bounded lookup."""
    with CaptureQueriesContext(connection) as captured:
        WorkOrder.objects.filter(title__contains="camera").count()
        WorkOrder.objects.count()
    problems = _explain_scans(captured.captured_queries)
    assert len(problems) == 2
    assert all(" on work_orders: SELECT COUNT(*)" in problem for problem in problems)
    with CaptureQueriesContext(connection) as captured:
        list(WorkOrder.objects.filter(pk=company["job"]))
        list(WorkOrder.objects.filter(assigned_technician_id=1, scheduled_for__gte=NOW))
        WorkOrder.objects.to_place().count()  # walks a partial index: bounded by its condition
        list(WorkOrderHistory.objects.order_by("-id")[:25])  # the latest 25: the walk stops early
    assert len(captured) == 4
    assert _explain_scans(captured.captured_queries) == []


@pytest.mark.django_db
def test_a_walk_under_a_limit_that_finds_nothing_is_a_full_scan(company):
    """The latest row that matches a condition no index serves: under the Limit, the walk of the
    primary key reads the whole table backwards when nothing matches (the phone's live check once
    did this over the history); counted from the analysed plan, not the Limit's promise."""
    with CaptureQueriesContext(connection) as captured:
        list(WorkOrderHistory.objects.filter(new_value="no such value").order_by("-id")[:1])
    [problem] = _explain_scans(captured.captured_queries)
    assert "on work_order_history under a Limit read" in problem
