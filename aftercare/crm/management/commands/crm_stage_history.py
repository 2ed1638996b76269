"""Rebuild the lifecycle stage history from past orders (docs/DOMAIN.md §11.1), for a store that
brought its orders along from another system, so retention has regular customers at a period's start.

manage.py crm_stage_history --store 3 --months 12
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aftercare.core.models import Store
from aftercare.crm.segments import month_starts, stage_history_backfill


class Command(BaseCommand):
    help = "Rebuild the stage history of a store's customers at the start of each of the last N months."

    def add_arguments(self, parser):
        parser.add_argument("--store", type=int, required=True, help="The store's id.")
        parser.add_argument("--months", type=int, default=12, choices=range(1, 61), metavar="1-60")

    def handle(self, *args, **options):
        store = Store.objects.filter(pk=options["store"]).first()
        if store is None:
            raise CommandError(f"No store with id {options['store']}.")
        moments = month_starts(until=timezone.now(), months=options["months"])
        written = stage_history_backfill(store=store, moments=moments)
        span = f"{moments[0]:%Y-%m} – {moments[-1]:%Y-%m}"
        self.stdout.write(f"{written} stage changes written for {store.name} ({span}).")
