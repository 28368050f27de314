"""techflow's background tasks (README "Background worker"): operations an admin starts from the
System page that can outlast a request. Cron keeps running the same commands on its schedule."""

from django.tasks import task

from techflow.backups import backup_create, backup_storage, backup_verify


@task()
def backup_task(verify: bool = True) -> str:
    """`manage.py backup [--verify]` on the worker: each run and failure is a backup_runs row (and a
    failure an operational event), which the System page lists."""
    storage = backup_storage()
    result = backup_create(storage=storage)
    if not verify:
        return result.stem
    verified = backup_verify(result=result, storage=storage)
    return f"{result.stem}: {len(verified.differences)} differences"


@task(takes_context=True)
def periodic_tick(context) -> str:
    """The periodic jobs' tick (techflow/periodic.py): runs the due ones, queues the next tick."""
    from techflow.periodic import periodic_tick_run

    return periodic_tick_run(task_id=str(context.task_result.id))
