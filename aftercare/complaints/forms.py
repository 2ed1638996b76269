from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.models import User
from aftercare.core.forms import StyledForm, StyledFormMixin
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer
from aftercare.service.models import RepairOrder

from .choices import Channel, ComplaintType, Priority, Status
from .models import ComplaintSettings


class ComplaintCreateForm(StyledForm):
    """Front desk: who complains, about what, through which channel."""

    customer = forms.CharField(label=_("Customer"), max_length=20, help_text=_("Customer number or 11-digit mobile."))
    repair_order = forms.CharField(label=_("Repair order number"), max_length=20, required=False)
    channel = forms.ChoiceField(label=pgettext_lazy("complaint or survey", "Channel"), choices=Channel.choices)
    complaint_type = forms.ChoiceField(label=_("Type"), choices=ComplaintType.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    is_crisis = forms.BooleanField(label=_("Crisis: vehicle damaged in the shop or a service accident"), required=False)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    customer_words = forms.CharField(
        label=_("Customer's own words"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store

    def clean_customer(self):
        value = self.cleaned_data["customer"].strip()
        matches = list(
            Customer.objects.filter(store=self.store, merged_into__isnull=True)
            .filter(Q(number__iexact=value) | Q(mobile=value))
            .order_by("id")[:2]
        )
        if not matches:
            raise forms.ValidationError(_("No customer of this store has this number or mobile."))
        if len(matches) > 1:
            raise forms.ValidationError(_("Several customers share this mobile: enter the customer number."))
        return matches[0]

    def clean_repair_order(self):
        value = self.cleaned_data["repair_order"].strip().upper()
        if not value:
            return None
        order = RepairOrder.objects.filter(store=self.store, number=value).first()
        if order is None:
            raise forms.ValidationError(_("No repair order of this store has this number."))
        return order

    def clean(self):
        data = super().clean()
        order, customer = data.get("repair_order"), data.get("customer")
        if order is not None and customer is not None and order.customer_id != customer.pk:
            self.add_error("repair_order", _("This repair order belongs to another customer."))
        return data


class HandlingForm(StyledForm):
    """The manager's handling: plan with deadline, owner, staff concerned."""

    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    complaint_type = forms.ChoiceField(label=_("Type"), choices=ComplaintType.choices)
    owner = forms.ModelChoiceField(
        label=pgettext_lazy("complaint handler", "Owner"), queryset=User.objects.none(), required=False
    )
    staff_concerned = forms.ModelChoiceField(label=_("Staff concerned"), queryset=User.objects.none(), required=False)
    resolution_plan = forms.CharField(
        label=_("Resolution plan"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    plan_due_at = forms.DateTimeField(label=_("Plan deadline"), required=False)

    def __init__(self, *args, complaint, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "priority": complaint.priority,
                "complaint_type": complaint.complaint_type,
                "owner": complaint.owner_id,
                "staff_concerned": complaint.staff_concerned_id,
                "resolution_plan": complaint.resolution_plan,
                "plan_due_at": complaint.plan_due_at,
            },
        )
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(
            Q(memberships__store_id=complaint.store_id) | Q(memberships__store__isnull=True,
                                                            memberships__group_id=complaint.store.group_id),
            memberships__is_active=True, is_active=True,
        ).distinct().order_by("full_name", "username")  # fmt: skip
        self.fields["staff_concerned"].queryset = staff
        self.fields["owner"].queryset = staff
        self.complaint = complaint

    def clean_owner(self):
        owner = self.cleaned_data.get("owner")
        if owner is not None and not owner.has_perm(Perm.COMPLAINT_MANAGE, self.complaint.store):
            raise forms.ValidationError(_("The owner must be allowed to handle complaints in this store."))
        return owner


class TransitionForm(StyledForm):
    to = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ResolveForm(StyledForm):
    result = forms.CharField(label=_("Handling result"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CloseForm(StyledForm):
    satisfaction = forms.TypedChoiceField(
        label=_("Customer's satisfaction with the handling"),
        choices=[(5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1")],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("5 = very satisfied, 1 = very dissatisfied."),
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=300)


class ComplaintSettingsForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ComplaintSettings
        fields = [
            "contact_within_minutes",
            "crisis_contact_within_minutes",
            "answer_within_hours",
            "inform_within_hours",
            "followup_after_hours",
        ]
