"""Materialise or check the daily figures (docs/DOMAIN.md §18.3).

manage.py report_figures --start 2026-01-01 --end 2026-12-31     # recompute and store (idempotent)
manage.py report_figures --check --day 2026-12-05                 # compare a day with the source
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aftercare.reports.figures import figures_check, figures_materialise


class Command(BaseCommand):
    help = "Recompute the daily figures of a range of days, or check a day against the source."

    def add_arguments(self, parser):
        parser.add_argument("--start", type=date.fromisoformat)
        parser.add_argument("--end", type=date.fromisoformat)
        parser.add_argument("--day", type=date.fromisoformat, help="With --check (default: yesterday).")
        parser.add_argument("--store", type=int, action="append", help="A store id (repeatable); default all.")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["check"]:
            day = options["day"] or today - timedelta(days=1)
            problems = figures_check(day=day, store_ids=options["store"])
            for line in problems:
                self.stdout.write(line)
            if problems:
                raise CommandError(f"{len(problems)} differences between the stored figures of {day} and the source.")
            self.stdout.write(f"The figures of {day} equal the source.")
            return
        start = options["start"] or today - timedelta(days=7)
        end = options["end"] or today
        if end < start:
            raise CommandError("--end is before --start.")
        written = figures_materialise(start=start, end=end, store_ids=options["store"])
        self.stdout.write(f"{written} store-days written ({start} – {end}).")
