from django_tasks import task

from aftercare.core.background import background_task


@task()
def noop() -> None:
    return None


@background_task(idempotent=True, max_run_minutes=1, retries=2, backoff_seconds=60)
def idempotent_noop() -> None:
    return None


@background_task(idempotent=False, max_run_minutes=1)
def unsafe_noop() -> None:
    return None


@background_task(idempotent=True, max_run_minutes=2, retries=3, backoff_seconds=1)
def slow_idempotent(log_path: str, seconds: float) -> None:
    """Appends 'start <pid> <time>' and 'end <pid> <time>' lines: the subprocess tests read them
    to prove a task never ran twice at the same time."""
    import os
    import time

    with open(log_path, "a") as log:
        log.write(f"start {os.getpid()} {time.time()}\n")
    time.sleep(seconds)
    with open(log_path, "a") as log:
        log.write(f"end {os.getpid()} {time.time()}\n")


@background_task(idempotent=False, max_run_minutes=2)
def slow_unsafe(seconds: float) -> None:
    import time

    time.sleep(seconds)


@background_task(idempotent=True, max_run_minutes=1, retries=1, backoff_seconds=30)
def always_fails() -> None:
    raise RuntimeError("the printer is out of paper")
