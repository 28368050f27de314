"""Model building blocks shared by every app (imported by inventory and fieldops too)."""

from django.db import models
from django.db.models.functions import Now

from dispatch import clock


def created_at_field(**kwargs) -> models.DateTimeField:
    """A creation time the ORM sets (from dispatch.clock) and raw SQL inserts get from the column default."""
    return models.DateTimeField(default=clock.now, db_default=Now(), **kwargs)


class ClockDateTimeField(models.DateTimeField):
    """A DateTimeField whose auto_now / auto_now_add read dispatch.clock instead of the wall clock.

    It deconstructs as a plain DateTimeField: the column and the migrations are the same.
    """

    def pre_save(self, model_instance, add):
        if self.auto_now or (self.auto_now_add and add):
            value = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


def choices_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """A named CHECK that keeps a column inside its TextChoices, in the database."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


class TouchingQuerySet(models.QuerySet):
    """update() keeps updated_at current too, like save() does through auto_now."""

    def update(self, **kwargs):
        kwargs.setdefault("updated_at", clock.now())
        return super().update(**kwargs)


class UpdatedAtModel(models.Model):
    updated_at = ClockDateTimeField(auto_now=True, null=True)

    objects = TouchingQuerySet.as_manager()

    class Meta:
        abstract = True


def on_earth(table: str, prefix: str = "") -> list[models.CheckConstraint]:
    """A recorded position is on the earth: latitude -90..90 and longitude -180..180, or not given
    (constraints `<table>_<prefix>latitude_range` and `<table>_<prefix>longitude_range`, on the
    columns `<prefix>latitude` / `<prefix>longitude`). Both are given, or neither."""
    lat, lng = f"{prefix}latitude", f"{prefix}longitude"
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{lat}__isnull": True})
            | models.Q(**{f"{lat}__gte": -90, f"{lat}__lte": 90}),
            name=f"{table}_{prefix}latitude_range",
        ),
        models.CheckConstraint(
            condition=models.Q(**{f"{lng}__isnull": True})
            | models.Q(**{f"{lng}__gte": -180, f"{lng}__lte": 180}),
            name=f"{table}_{prefix}longitude_range",
        ),
    ]


def both_or_neither(table: str, prefix: str = "") -> models.CheckConstraint:
    """A position has both coordinates or none (constraint `<table>_<prefix>position_pair`)."""
    lat, lng = f"{prefix}latitude", f"{prefix}longitude"
    return models.CheckConstraint(
        condition=models.Q(**{f"{lat}__isnull": True}, **{f"{lng}__isnull": True})
        | models.Q(**{f"{lat}__isnull": False}, **{f"{lng}__isnull": False}),
        name=f"{table}_{prefix}position_pair",
    )


def archive_table(model: type[models.Model]) -> str:
    """The table archive_work_orders moves a model's old rows into (techflow/0001 creates them)."""
    return f"{model._meta.db_table}_archive"


def create_archive_tables(schema_editor, tables: dict[str, list[str]]) -> None:
    """For a migration: `<table>_archive` for each table whose rows move with their work order.

    As techflow/0001 does it: same columns as the live table, no foreign keys, a primary key
    (PostgreSQL) or unique index (SQLite) on id, and an index on each column in `tables[table]`.
    """
    qn = schema_editor.quote_name
    postgres = schema_editor.connection.vendor == "postgresql"
    for table, lookups in tables.items():
        archive = f"{table}_archive"
        if postgres:
            schema_editor.execute(
                f"CREATE TABLE {qn(archive)} (LIKE {qn(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            )
            schema_editor.execute(f"ALTER TABLE {qn(archive)} ADD PRIMARY KEY (id)")
        else:
            schema_editor.execute(f"CREATE TABLE {qn(archive)} AS SELECT * FROM {qn(table)} WHERE 0")
            schema_editor.execute(f"CREATE UNIQUE INDEX {qn(archive + '_pk')} ON {qn(archive)} (id)")
        for column in lookups:
            schema_editor.execute(
                f"CREATE INDEX {qn(f'{archive}_{column}'[:63])} ON {qn(archive)} ({qn(column)})"
            )


def drop_archive_tables(schema_editor, tables: dict[str, list[str]]) -> None:
    for table in reversed(list(tables)):
        schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(table + '_archive')}")
