from django_tasks import task


@task()
def noop() -> None:
    return None
