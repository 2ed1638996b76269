"""Builds the demo dealer group. Later capabilities add a step each (customers,
vehicles, repair orders, ...) so the demo always shows every capability."""

import random
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from aftercare.accounts.models import Membership, User
from aftercare.accounts.roles import DEMO_LOGINS, Role
from aftercare.appointments.demo import seed_appointments
from aftercare.billing.demo import seed_settlements
from aftercare.catalog.defaults import seed_group_defaults, seed_store_bays
from aftercare.complaints.demo import seed_complaints
from aftercare.core.models import DealerGroup, Store
from aftercare.crm.demo import seed_crm
from aftercare.desk.demo import seed_desk
from aftercare.ev.demo import seed_ev
from aftercare.followups.demo import seed_followups, work_past_calls
from aftercare.loyalty.demo import seed_loyalty
from aftercare.messaging.demo import seed_messaging
from aftercare.parts.demo import seed_parts
from aftercare.privacy.demo import seed_privacy
from aftercare.reports.crm_demo import seed_crm_reports
from aftercare.reports.demo import seed_report_histories, seed_reports
from aftercare.service.demo import seed_repair_orders
from aftercare.surveys.demo import seed_surveys
from aftercare.vic.demo import seed_vic
from aftercare.warranty.demo import seed_warranty
from aftercare.workshop.demo import seed_site_work, seed_workshop

from . import generators
from .customers import build_customers, seed_class_changes
from .healthrecords import seed_health_records
from .portal import seed_portal
from .security import seed_security

STORE_NAMES = (
    ("gz-tianhe", "广州天河广本4S店", "广州市天河区黄埔大道西 888 号", "A"),
    ("gz-panyu", "广州番禺广本4S店", "广州市番禺区迎宾路 66 号", "A"),
    ("fs-chancheng", "佛山禅城广本特约店", "佛山市禅城区季华五路 18 号", "E"),
    ("sz-futian", "深圳福田广本4S店", "深圳市福田区深南大道 3008 号", "B"),
)

# Login names of the first store; later stores get a number suffix (advisor2).
# The administrator works group-wide, so there is only one.
ROLE_LOGINS = tuple((login, role) for login, role in DEMO_LOGINS if role != Role.ADMIN)


@dataclass
class DemoOptions:
    seed: int = 2026
    stores: int = 2
    extra_staff: int = 3  # more advisors and technicians per store, as a real store has
    customers: int = 200  # per store
    # Vehicles per store; None: 1-3 per customer as drawn (about 1.2 each). The
    # benchmark scales ask for exact totals (20,000 customers, 25,000 vehicles).
    vehicles: int | None = None
    # Today's appointments and repair orders in every state, plus months of
    # delivered history, made through the services (slow at benchmark scale).
    activity: bool = True


@dataclass
class DemoResult:
    group: DealerGroup | None = None
    stores: list[Store] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    customers: int = 0
    vehicles: int = 0
    portal_links: list[tuple[str, str]] = field(default_factory=list)  # (what, path) to try on a phone


def _newcomers(today: date):
    """Registers `count` more customers of a store, as its advisors would at their first visit."""

    def register(store: Store, count: int) -> None:
        advisors = Membership.objects.filter(store=store, role=Role.ADVISOR, is_active=True)
        build_customers(store=store, rng=random.Random(f"newcomers:{store.code}"), count=count,
                        advisor_ids=list(advisors.values_list("user_id", flat=True)), today=today)  # fmt: skip

    return register


def build_demo(options: DemoOptions) -> DemoResult:
    rng = random.Random(options.seed)
    result = DemoResult()
    # One password hash for every demo login: hashing with Argon2 per user
    # would cost a second per hundred staff for no benefit in a demo.
    password = make_password(settings.DEMO_PASSWORD)
    with transaction.atomic():
        result.group = DealerGroup.objects.create(name="粤华汽车服务集团", code="yuehua")
        for index in range(options.stores):
            code, name, address, _plate_city = STORE_NAMES[index % len(STORE_NAMES)]
            if index >= len(STORE_NAMES):
                code, name = f"{code}-{index + 1}", f"{name}（{index + 1}）"
            result.stores.append(
                Store.objects.create(
                    group=result.group,
                    code=code,
                    name=name,
                    address=address,
                    phone=f"020-{rng.randint(3000_0000, 3999_9999)}",
                    rescue_phone=f"400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                )
            )
        memberships = []
        admin = User.objects.create(username="admin", full_name=generators.chinese_name(rng), password=password)
        memberships.append(Membership(user=admin, group=result.group, store=None, role=Role.ADMIN))
        result.users.append(admin)
        for number, store in enumerate(result.stores, start=1):
            suffix = "" if number == 1 else str(number)
            staff = [(f"{login}{suffix}", role) for login, role in ROLE_LOGINS]
            staff += [(f"advisor{suffix}-{n}", Role.ADVISOR) for n in range(2, options.extra_staff + 1)]
            staff += [(f"tech{suffix}-{n}", Role.TECHNICIAN) for n in range(2, options.extra_staff + 2)]
            for username, role in staff:
                user = User.objects.create(
                    username=username,
                    full_name=generators.chinese_name(rng),
                    mobile=generators.mobile(rng),
                    password=password,
                    # Half the technicians hold the high-voltage certificate for EV work.
                    hv_certified=role == Role.TECHNICIAN and rng.random() < 0.5,
                )
                memberships.append(Membership(user=user, group=result.group, store=store, role=role))
                result.users.append(user)
        # The first store's manager also covers the second store's front desk.
        if len(result.stores) > 1:
            manager = next(u for u in result.users if u.username == "manager")
            memberships.append(
                Membership(user=manager, group=result.group, store=result.stores[1], role=Role.SERVICE_MANAGER)
            )
        Membership.objects.bulk_create(memberships)
        seed_group_defaults(result.group)
        today = timezone.localdate()
        for index, store in enumerate(result.stores):
            seed_store_bays(store)
            advisor_ids = [m.user_id for m in memberships if m.store_id == store.pk and m.role == Role.ADVISOR]
            result.vehicles += build_customers(
                store=store,
                rng=rng,
                count=options.customers,
                advisor_ids=advisor_ids,
                today=today,
                showcase=index == 0,
                vehicles=options.vehicles,
            )
            result.customers += options.customers
            if options.activity:
                technician_ids = [
                    m.user_id for m in memberships if m.store_id == store.pk and m.role == Role.TECHNICIAN
                ]
                seed_appointments(store, rng, today)
                orders = seed_repair_orders(store, rng, today, advisor_ids, technician_ids)
                finish = {o.pk: o.demo_target for o in orders if getattr(o, "demo_target", None)}
                seed_workshop(store, rng, finish=finish)
                if index == 0:
                    seed_site_work(store)
                seed_parts(store, rng, today)
                seed_class_changes(store, rng)
                seed_settlements(store, rng)
                seed_surveys(store, rng, today)
                seed_followups(store, rng, today)
                if index == 0:
                    result.portal_links = seed_portal(store)
                seed_complaints(store, rng, today)
                seed_messaging(store, rng, today)
                seed_warranty(store, rng, today)
                seed_desk(store, random.Random(f"desk:{store.code}"), today, showcase=index < 2)
                # Own random stream: the rest of the demo stays as it was.
                seed_ev(store, random.Random(f"ev:{store.code}"), today)
                # After every step that settles orders (warranty's history is backfilled,
                # without the settlement signal): each settled order gets its record.
                seed_health_records(store, showcase=index == 0)
        if options.activity:
            # A year of history behind the reports and the retention engine (own random stream); the
            # newcomers of that year come from the same customer generator.
            scale = min(1, options.customers / DemoOptions.customers)
            seed_report_histories(result.stores, random.Random("reports"), today, _newcomers(today), scale)
            seed_loyalty(result.group, result.stores, rng, today)
            seed_crm(result.stores, today)
            # After loyalty: the tier rule enrols its VIC cards (docs/DOMAIN.md §13.3).
            seed_vic(result.stores, random.Random("vic"), today)
            # The retention rules made a month of calls after seed_followups worked the past
            # ones: those were made too (own random stream: the rest of the demo stays as it was).
            for store in result.stores:
                work_past_calls(store, random.Random(f"crm-calls:{store.code}"))
            if result.stores:
                seed_privacy(result.stores[0], rng, today)
            # The daily figures of that year, and the targets.
            seed_reports(result.stores, today)
            # Last month's CRM report, missing two targets, in two versions (after the calls are worked).
            seed_crm_reports(result.stores, today)
        seed_security(result.stores if options.activity else [])
    return result
