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


def archive_table(model: type[models.Model]) -> str:
    """The table archive_work_orders moves a model's old rows into (techflow/0001 creates them)."""
    return f"{model._meta.db_table}_archive"
