"""The sections of a customer's export, the erasers and the kept records of the
apps below privacy (docs/DOMAIN.md §16.5). Registered once, from PrivacyConfig.ready."""

from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from aftercare.appointments.models import Appointment
from aftercare.billing.models import Delivery, Payment
from aftercare.complaints.models import Complaint
from aftercare.customers.models import Consent, Customer, SearchKey, Vehicle, VehicleOwnership
from aftercare.ev.models import BatteryForecast, BatteryReading, SoftwareVersion, TroubleCode
from aftercare.followups.models import FollowUpProblem, FollowUpTask
from aftercare.healthrecords.models import HealthRecord
from aftercare.loyalty.models import Coupon, MemberCard, PackageCard, Posting
from aftercare.messaging.choices import PENDING_STATES, Reason, State
from aftercare.messaging.models import Message
from aftercare.service.models import CheckIn, Photo, RepairOrder, RepairOrderLine, SiteVisit
from aftercare.surveys.models import SurveyAnswer, SurveyResponse
from aftercare.warranty.models import Claim

from .registry import Eraser, Kept, Section, register_eraser, register_kept, register_section

# Columns that are bookkeeping or derived search keys, not the person's data.
SKIP = {"mobile_rev", "name_pinyin", "name_initials", "vin_rev", "updated_at"}
# Signatures are images as data URLs: the export says whether one is on file.
SIGNATURES = {"authorisation_signature", "customer_signature", "signature"}


def columns(model) -> list[str]:
    return [f.attname for f in model._meta.get_fields() if f.concrete and f.attname not in SKIP]


def rows_of(queryset) -> list[dict]:
    names = columns(queryset.model)
    rows = []
    for row in queryset.values(*names):
        for name in SIGNATURES & row.keys():
            row[name] = bool(row[name])
        rows.append(row)
    return rows


def _orders(customer):
    return RepairOrder.objects.filter(customer=customer)


def _photo_files(customer):
    for photo in Photo.objects.filter(repair_order__vehicle__owner=customer).select_related("repair_order"):
        if photo.image and photo.image.storage.exists(photo.image.name):
            yield f"photos/{photo.repair_order.number}-{photo.pk}-{photo.image.name.rsplit('/', 1)[-1]}", photo.image


def _ledger(customer):
    return rows_of(Posting.objects.filter(account__customer=customer).order_by("id"))


def _answers(customer):
    return rows_of(SurveyAnswer.objects.filter(response__customer=customer).order_by("response_id", "id"))


SECTIONS = (
    Section("profile", _("Profile"), lambda c: rows_of(Customer.objects.filter(pk=c.pk)), position=1),
    Section("vehicles", _("Vehicles"), lambda c: rows_of(Vehicle.objects.filter(owner=c).order_by("id")), position=2),
    Section("ownerships", _("Vehicle ownership history"),
            lambda c: rows_of(VehicleOwnership.objects.filter(customer=c).order_by("id")), position=3),
    Section("orders", _("Repair orders"), lambda c: rows_of(_orders(c).order_by("id")), position=10),
    Section("order_lines", _("Repair order lines"),
            lambda c: rows_of(RepairOrderLine.objects.filter(repair_order__customer=c).order_by("repair_order", "id")),
            position=11),
    Section("appointments", _("Appointments"),
            lambda c: rows_of(Appointment.objects.filter(customer=c).order_by("id")), position=12),
    Section("payments", _("Payments"),
            lambda c: rows_of(Payment.objects.filter(repair_order__customer=c).order_by("id")), position=20),
    Section("member_cards", _("Member cards"), lambda c: rows_of(MemberCard.objects.filter(customer=c)), position=30),
    Section("package_cards", _("Package cards"),
            lambda c: rows_of(PackageCard.objects.filter(customer=c).order_by("id")), position=31),
    Section("loyalty_ledger", _("Loyalty ledger"), _ledger, position=32),
    Section("coupons", _("Coupons"), lambda c: rows_of(Coupon.objects.filter(customer=c).order_by("id")), position=33),
    Section("consents", _("Consents with their history"),
            lambda c: rows_of(Consent.objects.filter(customer=c).order_by("recorded_at", "id")), position=40),
    Section("followups", _("Follow-ups"),
            lambda c: rows_of(FollowUpTask.objects.filter(customer=c).order_by("id")), position=50),
    Section("followup_problems", _("Follow-up problems"),
            lambda c: rows_of(FollowUpProblem.objects.filter(customer=c).order_by("id")), position=51),
    Section("complaints", _("Complaints"),
            lambda c: rows_of(Complaint.objects.filter(customer=c).order_by("id")), position=60),
    Section("surveys", _("Surveys"),
            lambda c: rows_of(SurveyResponse.objects.filter(customer=c).order_by("id")), position=70),
    Section("survey_answers", _("Survey answers"), _answers, position=71),
    Section("messages", _("Messages sent"), lambda c: rows_of(
        Message.objects.filter(customer=c).order_by("id")
    ), position=75),
    Section("photos", _("Photos of their vehicles"),
            lambda c: rows_of(Photo.objects.filter(repair_order__vehicle__owner=c).order_by("id")),
            files=_photo_files, position=80),
    # The EV history of their vehicles (docs/DOMAIN.md §17): readings, trouble codes, versions, the forecast.
    Section("ev_readings", _("Battery and charging readings"),
            lambda c: rows_of(BatteryReading.objects.filter(vehicle__owner=c).order_by("vehicle_id", "read_at", "id")),
            position=85),
    Section("ev_trouble_codes", _("Diagnostic trouble codes"),
            lambda c: rows_of(TroubleCode.objects.filter(vehicle__owner=c).order_by("vehicle_id", "first_seen", "id")),
            position=86),
    Section("ev_software_versions", _("Software versions"),
            lambda c: rows_of(SoftwareVersion.objects.filter(vehicle__owner=c).order_by("vehicle_id", "installed_at",
                                                                                          "id")),
            position=87),
    Section("ev_battery_forecasts", _("Battery forecasts"),
            lambda c: rows_of(BatteryForecast.objects.filter(vehicle__owner=c).order_by("vehicle_id")), position=88),
)  # fmt: skip


# --- erasure (set-based, over a list of customer ids) -------------------------------------


def erase_customers(ids: list[int]) -> dict:
    """The person's own fields: the name becomes a pseudonym from the customer number,
    and every search key derived from them goes (pinyin, initials, the reversed mobile,
    company-name keys, plate keys)."""
    keys = SearchKey.objects.filter(Q(customer_id__in=ids) | Q(vehicle__owner_id__in=ids)).delete()[0]
    changed = Customer.objects.filter(pk__in=ids).update(
        name=Concat(Value("已匿名-"), "number"), contact_person="", mobile="", mobile_rev="", wechat_id="",
        email="", gender="", birthday=None, region="", address="", preferences=[], tags=[], member_card_no="",
        name_pinyin="", name_initials="",
    )  # fmt: skip
    plates = Vehicle.objects.filter(owner_id__in=ids).update(plate="", engine_no="", selling_dealer="")
    VehicleOwnership.objects.filter(customer_id__in=ids).update(note="")
    return {"customers": changed, "search_keys": keys, "vehicles": plates}


def erase_service(ids: list[int]) -> dict:
    orders = RepairOrder.objects.filter(customer_id__in=ids)
    changed = orders.update(contact_phone="", customer_statement="", authorisation_signature="", authorisation_note="")
    CheckIn.objects.filter(repair_order__customer_id__in=ids).update(customer_signature="", belongings="")
    Delivery.objects.filter(repair_order__customer_id__in=ids).update(signature="")
    # Site work (docs/DOMAIN.md §17.9): the customer's address, survey notes and acceptance signature.
    SiteVisit.objects.filter(repair_order__customer_id__in=ids).update(
        address="", survey_notes="", acceptance_signature="", acceptance_note=""
    )
    return {
        "repair_orders": changed,
        "photos": delete_photos(Photo.objects.filter(repair_order__vehicle__owner_id__in=ids)),
    }


def delete_photos(queryset) -> int:
    """Delete photo files, then their rows (docs/DOMAIN.md §16.6): files first, so a
    file never outlives its row unnoticed."""
    for image in queryset.values_list("image", flat=True).iterator():
        if image:
            Photo.image.field.storage.delete(image)
    return queryset.delete()[0]


def erase_contacts(ids: list[int]) -> dict:
    return {
        "appointments": Appointment.objects.filter(customer_id__in=ids).update(
            contact_phone="", complaint="", site_address=""
        ),
        "followups": FollowUpTask.objects.filter(customer_id__in=ids).update(contact_value="", feedback="", note=""),
        "followup_problems": FollowUpProblem.objects.filter(customer_id__in=ids).update(description=""),
        "complaints": Complaint.objects.filter(customer_id__in=ids).update(customer_words=""),
        "surveys": SurveyResponse.objects.filter(customer_id__in=ids).update(comment=""),
        "survey_answers": SurveyAnswer.objects.filter(response__customer_id__in=ids).update(text=""),
        "messages": erase_messages(ids),
    }


def erase_messages(ids: list[int]) -> int:
    """Messages not yet sent are cancelled; every message loses its address and text."""
    messages = Message.objects.filter(customer_id__in=ids)
    messages.filter(state__in=PENDING_STATES).update(state=State.CANCELLED, reason=Reason.WITHDRAWN,
                                                     next_attempt_at=None)  # fmt: skip
    return messages.update(to="", text="", subject="", params={})


# The charging habits of a reading describe how the person drives and charges, not the battery.
CHARGING_HABITS = ("dc_share", "depth_of_discharge", "sessions_per_week")


def erase_ev(ids: list[int]) -> dict:
    """The forecast (a profile that feeds care segments) goes, and so do the charging habits of
    every reading; the battery's own values, trouble codes and versions stay with the car."""
    readings = BatteryReading.objects.filter(vehicle__owner_id__in=ids).exclude(
        dc_share=None, depth_of_discharge=None, sessions_per_week=None
    )
    return {
        "battery_forecasts": BatteryForecast.objects.filter(vehicle__owner_id__in=ids).delete()[0],
        "battery_readings": readings.update(**dict.fromkeys(CHARGING_HABITS)),
    }


def _ev_history(ids: list[int]) -> int:
    return sum(model.objects.filter(vehicle__owner_id__in=ids).count()
               for model in (BatteryReading, TroubleCode, SoftwareVersion))  # fmt: skip


KEPT = (
    Kept("repair_orders", _("Repair orders and settlements"),
         _("Basis of the invoices: accounting records are kept for 30 years (会计档案管理办法)."),
         lambda ids: RepairOrder.objects.filter(customer_id__in=ids).count()),
    Kept("payments", _("Payments"),
         _("Accounting vouchers are kept for 30 years (会计档案管理办法)."),
         lambda ids: Payment.objects.filter(repair_order__customer_id__in=ids).count()),
    Kept("loyalty_ledger", _("Stored-value and points ledger"),
         _("Prepaid-card balances owed to the customer and their vouchers (单用途商业预付卡管理办法, accounting)."),
         lambda ids: Posting.objects.filter(account__customer_id__in=ids).count()),
    Kept("warranty_claims", _("Warranty claims"),
         _("The carmaker pays the store on them and may audit them; kept with the repair orders they bill."),
         lambda ids: Claim.objects.filter(repair_order__customer_id__in=ids).count()),
    Kept("health_records", _("Electronic health records"),
         _("The national vehicle health record the repair business must keep and upload (汽车维修电子健康档案); "
           "it names the vehicle and its work, not the person."),
         lambda ids: HealthRecord.objects.filter(repair_order__customer_id__in=ids).count()),
    Kept("consents", _("Consent history"),
         _("Proof of what the customer agreed to and withdrew, and when (PIPL art. 14, 15)."),
         lambda ids: Consent.objects.filter(customer_id__in=ids).count()),
    Kept("complaints", _("Complaints"),
         _("Quality and consumer-protection records of the dealership; the customer's own words are removed."),
         lambda ids: Complaint.objects.filter(customer_id__in=ids).count()),
    Kept("ev_history", _("Battery readings, trouble codes and software versions"),
         _("The traction battery's health history backs its warranty, and trouble codes and software versions "
           "back recalls and OTA updates (汽车软件在线升级); they follow the vehicle, not the person. Charging "
           "habits and the forecast are removed."),
         _ev_history),
)  # fmt: skip


def register_all() -> None:
    for section in SECTIONS:
        register_section(section)
    register_eraser(Eraser("customers", erase_customers, position=1))
    register_eraser(Eraser("service", erase_service, position=10))
    register_eraser(Eraser("contacts", erase_contacts, position=20))
    register_eraser(Eraser("ev", erase_ev, position=30))
    for kept in KEPT:
        register_kept(kept)
