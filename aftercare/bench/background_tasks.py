"""Tasks the background-work benchmark enqueues (aftercare.bench.background)."""

import time

from aftercare.core.background import background_task


@background_task(idempotent=True, max_run_minutes=1, retries=3, backoff_seconds=1)
def trivial() -> None:
    return None


@background_task(idempotent=True, max_run_minutes=5, retries=3, backoff_seconds=1)
def sleepy(seconds: float) -> None:
    time.sleep(seconds)
