from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.accounts.models import User
from aftercare.core.forms import StyledForm
from aftercare.customers.models import Customer
from aftercare.service.models import RepairOrder

from .choices import EventKind, FaqCategory


class RescuePublicForm(StyledForm):
    """The customer's own request from the phone: where, which car, what happened, whom to call."""

    contact_name = forms.CharField(label=_("Your name"), max_length=50)
    contact_phone = forms.CharField(label=_("Mobile"), max_length=20)
    plate = forms.CharField(label=_("Plate"), max_length=20, required=False)
    symptom = forms.CharField(
        label=_("What happened to the car"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    address = forms.CharField(label=_("Where are you"), max_length=200, required=False)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    photos = forms.FileField(
        label=_("Photos"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )


class RescueStaffForm(RescuePublicForm):
    """The rescue phone line: staff take the call, for a customer on file or anyone."""

    customer = forms.CharField(
        label=_("Customer"), max_length=20, required=False, help_text=_("Customer number or 11-digit mobile.")
    )

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.order_fields(["customer", "contact_name", "contact_phone", "plate", "symptom", "address"])

    def clean_customer(self):
        value = self.cleaned_data["customer"].strip()
        if not value:
            return None
        found = list(
            Customer.objects.filter(store=self.store, merged_into__isnull=True)
            .filter(Q(number__iexact=value) | Q(mobile=value))
            .order_by("id")[:2]
        )
        if len(found) != 1:
            raise forms.ValidationError(_("No single customer of this store has this number or mobile."))
        return found[0]


class DispatchForm(StyledForm):
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=User.objects.none())
    rescue_vehicle = forms.CharField(label=_("Rescue vehicle"), max_length=40)
    eta_minutes = forms.IntegerField(label=_("Minutes until arrival"), min_value=1, max_value=1440, initial=30)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        from aftercare.accounts.models import Membership

        ids = (
            Membership.objects.filter(is_active=True)
            .filter(Q(store=store) | Q(store__isnull=True, group_id=store.group_id))
            .values("user_id")
        )
        self.fields["technician"].queryset = User.objects.filter(pk__in=ids, is_active=True).order_by("username")


class MoveForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class FinishForm(StyledForm):
    result = forms.CharField(label=_("Result"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    quality_defect = forms.BooleanField(label=_("Caused by a quality defect (claimable)"), required=False)
    fee = forms.DecimalField(label=_("Rescue fee"), max_digits=10, decimal_places=2, min_value=0, required=False)


class ClaimForm(StyledForm):
    claim = forms.CharField(label=_("Claim number"), max_length=20)
    amount = forms.DecimalField(label=_("Amount claimed"), max_digits=10, decimal_places=2, min_value=0)


class FaqForm(StyledForm):
    category = forms.ChoiceField(label=_("Category"), choices=FaqCategory.choices)
    model = forms.CharField(label=_("Model"), max_length=50, required=False, help_text=_("Empty: every model."))
    question = forms.CharField(label=_("Question"), max_length=200)
    answer = forms.CharField(label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
    attachment = forms.FileField(label=_("Attachment"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False)
    valid_until = forms.DateField(label=_("Valid until"), required=False)
    public = forms.BooleanField(label=_("Public: shown to customers"), required=False)


class SynonymForm(StyledForm):
    word = forms.CharField(label=_("Word"), max_length=40)
    synonym = forms.CharField(label=_("Same meaning"), max_length=40)


class ShareForm(StyledForm):
    customer = forms.CharField(label=_("Customer"), max_length=20, help_text=_("Customer number or 11-digit mobile."))
    task = forms.IntegerField(label=_("Follow-up task number"), required=False, min_value=1)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store

    clean_customer = RescueStaffForm.clean_customer

    def clean(self):
        data = super().clean()
        if data.get("customer") is None and not self.errors:
            self.add_error("customer", _("Enter the customer."))
        if data.get("task"):
            from aftercare.followups.models import FollowUpTask

            data["task"] = FollowUpTask.objects.filter(store=self.store, pk=data["task"]).first()
            if data["task"] is None:
                self.add_error("task", _("No follow-up of this store has this number."))
        else:
            data["task"] = None
        return data


class EventForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind of event"), choices=EventKind.choices)
    description = forms.CharField(label=_("Details"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    occurred_on = forms.DateField(label=_("Occurred on"), required=False)
    flag_days = forms.IntegerField(label=_("Flag the customer for (days)"), min_value=1, max_value=365, initial=90)


class StepForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    contact_name = forms.CharField(label=_("Name kept"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact kept"), max_length=20, required=False)


class FixForm(StyledForm):
    repair_order = forms.CharField(label=_("Repair order number"), max_length=20)
    free_repair = forms.BooleanField(label=_("Free repair (needs the manager's approval)"), required=False)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store

    def clean_repair_order(self):
        value = self.cleaned_data["repair_order"].strip().upper()
        order = RepairOrder.objects.filter(store=self.store, number=value).first()
        if order is None:
            raise forms.ValidationError(_("No repair order of this store has this number."))
        return order
