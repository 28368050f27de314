"""The office's "include archived" search: closed orders archive_work_orders moved to work_orders_archive.

The archive table is created by migration techflow/0001 with the live table's columns; it is
read here by name (dispatch imports nothing of techflow) and only when the office asks for it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.utils.dateparse import parse_datetime

from dispatch.db import archive_table
from dispatch.models import Customer, Technician, WorkOrder, WorkOrderStatus

LIMIT = 25


@dataclass(frozen=True)
class ArchivedOrder:
    id: int
    title: str
    status: str
    scheduled_for: datetime | None
    closed_at: datetime | None
    customer: str
    technician: str

    @property
    def status_label(self) -> str:
        return WorkOrderStatus(self.status).label if self.status in WorkOrderStatus.values else self.status


def _when(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):  # SQLite hands back the stored text
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _like(word: str) -> str:
    return "%" + word.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def archived_orders_matching(
    *,
    text: str = "",
    statuses: list[str] | None = None,
    technician: Technician | None = None,
    customer: Customer | None = None,
    limit: int = LIMIT,
) -> tuple[list[ArchivedOrder], bool]:
    """The newest archived orders matching the list's search and filters, and whether there are more."""
    qn = connection.ops.quote_name
    table = archive_table(WorkOrder)
    if table not in connection.introspection.table_names():
        return [], False
    where, params = [], []
    for word in text.split():
        where.append(
            "(UPPER(a.title) LIKE %s ESCAPE '\\' OR UPPER(a.brief_description) LIKE %s ESCAPE '\\' "
            "OR UPPER(c.name) LIKE %s ESCAPE '\\')"
        )
        params += [_like(word)] * 3
    if statuses:
        where.append(f"a.status IN ({', '.join(['%s'] * len(statuses))})")
        params += statuses
    if technician is not None:
        where.append("a.assigned_technician_id = %s")
        params.append(technician.pk)
    if customer is not None:
        where.append("a.customer_id = %s")
        params.append(customer.pk)
    sql = (
        f"SELECT a.id, a.title, a.status, a.scheduled_for, a.updated_at, c.name, t.name "
        f"FROM {qn(table)} a LEFT JOIN {qn(Customer._meta.db_table)} c ON c.id = a.customer_id "
        f"LEFT JOIN {qn(Technician._meta.db_table)} t ON t.id = a.assigned_technician_id "
        + (f"WHERE {' AND '.join(where)} " if where else "")
        + "ORDER BY a.updated_at DESC, a.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit + 1])
        rows = cursor.fetchall()
    found = [
        ArchivedOrder(pk, title, status, _when(scheduled), _when(closed), client or "", tech or "")
        for pk, title, status, scheduled, closed, client, tech in rows[:limit]
    ]
    return found, len(rows) > limit
