"""Model building blocks shared by every app (imported by inventory and fieldops too)."""

from collections.abc import Iterable

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


def created_at_field(**kwargs) -> models.DateTimeField:
    """A creation time the ORM sets and raw SQL inserts get from the column default."""
    return models.DateTimeField(default=timezone.now, db_default=Now(), **kwargs)


def choices_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """A named CHECK that keeps a column inside its TextChoices, in the database."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


def values_check(field: str, values: Iterable[str], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": list(values)}), name=name)


class TouchingQuerySet(models.QuerySet):
    """update() keeps updated_at current too, like save() does through auto_now."""

    def update(self, **kwargs):
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)


class UpdatedAtModel(models.Model):
    updated_at = models.DateTimeField(auto_now=True, null=True)

    objects = TouchingQuerySet.as_manager()

    class Meta:
        abstract = True


def archive_table(model: type[models.Model]) -> str:
    """The table archive_work_orders moves a model's old rows into (techflow/0001 creates them)."""
    return f"{model._meta.db_table}_archive"
