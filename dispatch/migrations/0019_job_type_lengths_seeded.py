from django.db import migrations

# Usual lengths of the seed's job types, in minutes; the office edits them in the admin.
LENGTHS = {"installation": 360, "upgrade": 180, "maintenance": 90, "repair": 60}


def seed(apps, schema_editor):
    JobTypeDuration = apps.get_model("dispatch", "JobTypeDuration")
    for job_type, minutes in LENGTHS.items():
        JobTypeDuration.objects.get_or_create(job_type=job_type, defaults={"minutes": minutes})


def unseed(apps, schema_editor):
    apps.get_model("dispatch", "JobTypeDuration").objects.filter(job_type__in=LENGTHS).delete()


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0018_job_lengths_and_hours")]

    operations = [migrations.RunPython(seed, unseed)]
