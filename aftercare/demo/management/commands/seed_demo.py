from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from aftercare.core.maintenance import database_analyze
from aftercare.core.models import Store
from aftercare.demo.builder import DemoOptions, build_demo


class Command(BaseCommand):
    help = "Create a demo dealer group with stores, staff for every role and realistic Chinese data."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--stores", type=int, default=2, help="Number of stores.")
        parser.add_argument("--extra-staff", type=int, default=3, help="Advisors and technicians per store.")
        parser.add_argument("--customers", type=int, default=200, help="Customers per store.")
        parser.add_argument(
            "--no-activity", dest="activity", action="store_false",
            help="Stores, staff, customers and vehicles only: no appointments, orders or history.",
        )  # fmt: skip
        parser.add_argument("--flush", action="store_true", help="Empty the database first (destroys all data!).")

    def handle(self, *args, seed, stores, extra_staff, customers, activity, flush, **options):
        if stores < 1:
            raise CommandError("--stores must be at least 1.")
        if flush:
            call_command("flush", interactive=False, verbosity=0)
        elif Store.objects.exists():
            raise CommandError("The database already has stores. Use --flush to replace everything with demo data.")
        demo = DemoOptions(seed=seed, stores=stores, extra_staff=extra_staff, customers=customers, activity=activity)
        result = build_demo(demo)
        database_analyze()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(result.stores)} stores, {len(result.users)} staff, "
                f"{result.customers} customers, {result.vehicles} vehicles (seed {seed})."
            )
        )
        for what, path in result.portal_links:
            self.stdout.write(f"Customer's phone, {what}: {path}")
