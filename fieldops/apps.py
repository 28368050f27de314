from django.apps import AppConfig


class FieldopsConfig(AppConfig):
    name = "fieldops"

    def ready(self) -> None:
        from django.db.models import Max

        from dispatch import selectors
        from fieldops.models import ClockRecord, TechnicianActivity

        # Today and the board show who is clocked in and what they are doing: their polls'
        # digest moves with every activity and clock record (each max one step of an index).
        selectors.register_change_source(TechnicianActivity.objects.all, Max("created_at"))
        selectors.register_change_source(ClockRecord.objects.all, Max("clock_in_time"))
        selectors.register_change_source(ClockRecord.objects.all, Max("clock_out_time"))
