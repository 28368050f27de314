"""technician_activity.sequence: each technician's running number, so two rows at one instant never tie."""

from django.db import migrations, models


def number_existing_rows(apps, schema_editor):
    Activity = apps.get_model("fieldops", "TechnicianActivity")
    last: dict[int, int] = {}
    batch = []
    for row in Activity.objects.order_by("technician_id", "created_at", "id").only("pk", "technician_id"):
        last[row.technician_id] = last.get(row.technician_id, 0) + 1
        row.sequence = last[row.technician_id]
        batch.append(row)
        if len(batch) >= 2000:
            Activity.objects.bulk_update(batch, ["sequence"])
            batch = []
    Activity.objects.bulk_update(batch, ["sequence"])


class Migration(migrations.Migration):
    dependencies = [("fieldops", "0003_voice_agent_pending_and_turn_job")]

    operations = [
        migrations.AddField(
            model_name="technicianactivity",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(number_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="technicianactivity",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AlterModelOptions(
            name="technicianactivity",
            options={"ordering": ["-created_at", "-sequence"], "verbose_name_plural": "technician activity"},
        ),
        migrations.RemoveIndex(model_name="technicianactivity", name="idx_activity_technician"),
        migrations.AddIndex(
            model_name="technicianactivity",
            index=models.Index(
                fields=["technician", "-created_at", "-sequence"], name="idx_activity_technician"
            ),
        ),
        migrations.AddConstraint(
            model_name="technicianactivity",
            constraint=models.UniqueConstraint(
                fields=("technician", "sequence"), name="technician_activity_one_sequence_per_technician"
            ),
        ),
    ]
