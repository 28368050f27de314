"""Retention: move closed work orders, and every row that references them, into `<table>_archive`.

Each batch is one transaction: its rows are copied into the archive tables and deleted from
the live ones together, so a crash (or a kill) mid-batch leaves that batch where it was and
a re-run picks it up. Which tables move is read from the models, following every foreign key
that points at a moving row (notes, history, travel, activity, parts movements, calls and
their details, voice sessions and their turns, ...); a new table that references work
orders without an archive table stops the job before it moves anything.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction

from dispatch.db import archive_table
from dispatch.models import WorkOrder, WorkOrderStatus

CLOSED = [WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED]
CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class Step:
    """A table that moves, and the foreign keys (column, parent model) that make a row of it move."""

    model: type[models.Model]
    links: tuple[tuple[str, type[models.Model]], ...]

    @property
    def table(self) -> str:
        return self.model._meta.db_table


@dataclass
class ArchiveResult:
    orders: int = 0
    batches: int = 0
    moved: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    before: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (live, archived)
    after: dict[str, tuple[int, int]] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def rows(self) -> int:
        return sum(self.moved.values())


def archive_plan() -> list[Step]:
    """Work orders, then every table whose rows point at a moving table, parents before children."""
    # Every app's tables but Django's own and this app's (the backup record, the archive itself).
    skip = {"admin", "auth", "contenttypes", "sessions", "techflow"}
    candidates = [m for m in apps.get_models() if m._meta.app_label not in skip and m._meta.managed]
    moving = {WorkOrder}
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model not in moving and any(
                f.is_relation and f.related_model in moving for f in model._meta.concrete_fields
            ):
                moving.add(model)
                changed = True
    links = {
        model: tuple(
            (f.column, f.related_model)
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model in moving and f.related_model is not model
        )
        for model in moving
        if model is not WorkOrder
    }
    plan = [Step(WorkOrder, ())]
    placed = {WorkOrder}
    while len(placed) < len(moving):
        ready = [
            m for m in candidates if m in links and m not in placed and all(p in placed for _, p in links[m])
        ]
        if not ready:
            raise ValidationError("The tables that reference work orders form a cycle; archive them by hand.")
        for model in ready:
            plan.append(Step(model, links[model]))
            placed.add(model)
    return plan


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def archive_check(plan: list[Step]) -> None:
    """Every moving table has an archive table with the same columns, or nothing moves."""
    existing = set(connection.introspection.table_names())
    problems = []
    for step in plan:
        archive = archive_table(step.model)
        if archive not in existing:
            problems.append(f"{step.table} references archived rows but has no table {archive}")
        elif set(_columns(step.table)) != set(_columns(archive)):
            live, kept = set(_columns(step.table)), set(_columns(archive))
            problems.append(
                f"{archive} does not match {step.table} (missing: {', '.join(sorted(live - kept)) or '-'}; "
                f"extra: {', '.join(sorted(kept - live)) or '-'})"
            )
    if problems:
        raise ValidationError(
            "Nothing archived: " + "; ".join(problems) + ". Add or alter the archive table in a migration "
            "(see techflow/ARCHITECTURE.md, 'Retention')."
        )


def table_counts(plan: list[Step]) -> dict[str, tuple[int, int]]:
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for step in plan:
            cursor.execute(f"SELECT COUNT(*) FROM {qn(step.table)}")
            live = cursor.fetchone()[0]
            cursor.execute(f"SELECT COUNT(*) FROM {qn(archive_table(step.model))}")
            counts[step.table] = (live, cursor.fetchone()[0])
    return counts


def _chunks(ids: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _rows_to_move(plan: list[Step], order_ids: list[int]) -> dict[type[models.Model], list]:
    """The primary keys of every row that moves with these orders, per model, in plan order."""
    moving: dict[type[models.Model], list] = {WorkOrder: order_ids}
    for step in plan[1:]:
        keys: set = set()
        for column, parent in step.links:
            parent_ids = moving.get(parent) or []
            for chunk in _chunks(parent_ids):
                keys.update(
                    step.model._base_manager.filter(**{f"{column}__in": chunk}).values_list("pk", flat=True)
                )
        moving[step.model] = sorted(keys, key=str)
    return moving


def _move(step: Step, keys: list) -> int:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in _columns(step.table))
    pk = qn(step.model._meta.pk.column)
    table, archive = qn(step.table), qn(archive_table(step.model))
    moved = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(keys):
            marks = ", ".join(["%s"] * len(chunk))
            params = [step.model._meta.pk.get_db_prep_value(k, connection) for k in chunk]
            cursor.execute(
                f"INSERT INTO {archive} ({columns}) SELECT {columns} FROM {table} WHERE {pk} IN ({marks})",
                params,
            )
            moved += cursor.rowcount
    return moved


def _delete(step: Step, keys: list) -> int:
    qn = connection.ops.quote_name
    pk = qn(step.model._meta.pk.column)
    deleted = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(keys):
            marks = ", ".join(["%s"] * len(chunk))
            params = [step.model._meta.pk.get_db_prep_value(k, connection) for k in chunk]
            cursor.execute(f"DELETE FROM {qn(step.table)} WHERE {pk} IN ({marks})", params)
            deleted += cursor.rowcount
    return deleted


def eligible_orders(cutoff: datetime) -> models.QuerySet:
    """Closed orders (completed or cancelled) whose last change is older than the cut-off."""
    return WorkOrder.objects.filter(status__in=CLOSED, updated_at__lt=cutoff)


def work_orders_archive(
    *,
    cutoff: datetime,
    batch_size: int = 200,
    dry_run: bool = False,
    progress: Callable[[int, dict[str, int]], None] | None = None,
) -> ArchiveResult:
    """Move closed orders older than `cutoff` with everything that references them, one batch per transaction.

    A batch either moves whole (copied into the archive and deleted from the live tables) or not
    at all; a re-run continues with what is left, so nothing is lost or archived twice.
    """
    if batch_size < 1:
        raise ValidationError("The batch size must be at least 1.")
    plan = archive_plan()
    archive_check(plan)
    result = ArchiveResult(dry_run=dry_run, before=table_counts(plan))
    last_id = 0
    while True:
        with transaction.atomic():
            batch = eligible_orders(cutoff).filter(pk__gt=last_id).order_by("pk")
            if not dry_run:
                # A closed order is final, but its summary may still be being written: wait for it.
                batch = batch.select_for_update()
            order_ids = list(batch.values_list("pk", flat=True)[:batch_size])
            if not order_ids:
                break
            last_id = order_ids[-1]
            moving = _rows_to_move(plan, order_ids)
            moved = {}
            for step in plan:
                keys = moving[step.model]
                moved[step.table] = len(keys) if dry_run else _move(step, keys)
            if not dry_run:
                # Children before parents, so no foreign key is ever left dangling.
                for step in reversed(plan):
                    deleted = _delete(step, moving[step.model])
                    if deleted != moved[step.table]:
                        raise RuntimeError(
                            f"{step.table}: copied {moved[step.table]} rows but deleted {deleted}; "
                            "the batch is rolled back."
                        )
        result.batches += 1
        result.orders += len(order_ids)
        for table, count in moved.items():
            result.moved[table] += count
        if progress:
            progress(result.batches, moved)
    result.after = table_counts(plan)
    return result
