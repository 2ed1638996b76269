"""The VIC pages' forms: choices limited to the current store's customers, vehicles, staff."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.core.forms import StyledForm
from aftercare.customers.models import Customer, Vehicle
from aftercare.loyalty.choices import Tier
from aftercare.service.models import RepairOrder

from .choices import BookingKind, ChargeKind, ErrandKind, ErrandStatus, EventKind
from .models import CourtesyCar, VicEnrolment

MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0"), "max_value": Decimal("999999.99")}


def _staff(store, role=None):
    users = User.objects.filter(memberships__store=store, memberships__is_active=True, is_active=True)
    if role:
        users = users.filter(memberships__role=role)
    return users.distinct().order_by("full_name", "id")


class CustomerField(forms.IntegerField):
    """A customer of the store by id (the customer's page links here with ?customer=)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, label=_("Customer number (id)"), **kwargs)


class StoreForm(StyledForm):
    def __init__(self, *args, store=None, **kwargs):
        self.store = store
        super().__init__(*args, **kwargs)

    def _customer(self, name="customer"):
        pk = self.cleaned_data.get(name)
        customer = Customer.objects.filter(pk=pk, store=self.store).first() if pk else None
        if pk and customer is None:
            self.add_error(name, _("No such customer in this store."))
        return customer


class EnrolForm(StoreForm):
    customer = CustomerField()
    specialist = forms.ModelChoiceField(queryset=User.objects.none(), label=_("VIC specialist"))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialist"].queryset = _staff(self.store, Role.VIC_SPECIALIST)

    def clean(self):
        data = super().clean()
        data["customer"] = self._customer()
        return data


class RuleForm(StoreForm):
    tier = forms.ChoiceField(label=_("From tier"), choices=Tier.choices)
    specialist = forms.ModelChoiceField(queryset=User.objects.none(), label=_("VIC specialist"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialist"].queryset = _staff(self.store, Role.VIC_SPECIALIST)


class BookingForm(StoreForm):
    vehicle = forms.ModelChoiceField(queryset=Vehicle.objects.none(), label=_("Vehicle"))
    kind = forms.ChoiceField(label=_("Kind"), choices=BookingKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200)
    window_start = forms.DateTimeField(label=_("From"))
    window_end = forms.DateTimeField(label=_("Until"))
    driver = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Driver"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = Vehicle.objects.filter(
            store=self.store, owner__in=VicEnrolment.objects.active().values("customer_id")
        ).select_related("owner")
        self.fields["vehicle"].label_from_instance = lambda v: f"{v.plate} · {v.owner.name}"
        self.fields["driver"].queryset = _staff(self.store)


class HandoverForm(StyledForm):
    odometer_km = forms.IntegerField(label=_("Odometer (km)"), min_value=0, max_value=2_000_000)
    fuel_level = forms.IntegerField(label=_("Fuel or charge (%)"), min_value=0, max_value=100)
    damage = forms.CharField(label=_("Damage noted"), max_length=500, required=False)
    photos = forms.FileField(label=_("Photos"), required=False)


class CarForm(StyledForm):
    plate = forms.CharField(label=_("Plate"), max_length=12)
    model = forms.CharField(label=_("Model"), max_length=50)
    odometer_km = forms.IntegerField(label=_("Odometer (km)"), min_value=0, max_value=2_000_000, initial=0)


class LoanForm(StoreForm):
    car = forms.ModelChoiceField(queryset=CourtesyCar.objects.none(), label=_("Courtesy car"))
    customer = CustomerField()
    repair_order = forms.ModelChoiceField(
        queryset=RepairOrder.objects.none(), label=_("Repair order"), required=False, to_field_name="number"
    )
    starts_at = forms.DateTimeField(label=_("From"))
    ends_at = forms.DateTimeField(label=_("Until"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["car"].queryset = CourtesyCar.objects.filter(store=self.store, is_active=True)
        # The store's open orders, of the customer when the page was opened for one (?customer=).
        orders = RepairOrder.objects.filter(store=self.store).open().order_by("-opened_at")
        customer = self.data.get(self.add_prefix("customer")) or self.initial.get("customer")
        if str(customer or "").isdigit() and int(customer) < 2**31:
            orders = orders.filter(customer_id=int(customer))
        self.fields["repair_order"].queryset = orders

    def clean(self):
        data = super().clean()
        data["customer"] = self._customer()
        order = data.get("repair_order")
        if order is not None and data["customer"] is not None and order.customer_id != data["customer"].pk:
            self.add_error("repair_order", _("Choose a repair order of this customer."))
        return data


class ChargeForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ChargeKind.choices)
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class EventForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    venue = forms.CharField(label=_("Venue"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=2000, initial=30)
    cost = forms.DecimalField(label=_("Cost"), initial=0, **MONEY)


class InviteForm(StoreForm):
    customer = CustomerField()

    def clean(self):
        data = super().clean()
        data["customer"] = self._customer()
        return data


class CheckInForm(StyledForm):
    guest_came = forms.BooleanField(label=_("The guest came too"), required=False)


class ErrandForm(StoreForm):
    customer = CustomerField()
    kind = forms.ChoiceField(label=_("Kind"), choices=ErrandKind.choices)
    assigned_to = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Assigned to"))
    due_on = forms.DateField(label=_("Due on"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = _staff(self.store)

    def clean(self):
        data = super().clean()
        data["customer"] = self._customer()
        return data


class ErrandMoveForm(StyledForm):
    to = forms.ChoiceField(label=_("Status"), choices=ErrandStatus.choices)
    fee = forms.DecimalField(label=_("Fee"), required=False, **MONEY)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
