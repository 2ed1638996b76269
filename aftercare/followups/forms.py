from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.accounts.roles import Role
from aftercare.core.forms import StyledForm, StyledFormMixin

from .choices import ContactChannel, ProblemCategory
from .models import FollowUpRule


def store_staff(store):
    """Active users with a role in the store (or group-wide in its group)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__is_active=True)
        .filter(Q(memberships__store=store) | Q(memberships__store__isnull=True, memberships__group_id=store.group_id))
        .distinct()
        .order_by("username")
    )


class OutcomeForm(StyledForm):
    contact_channel = forms.ChoiceField(label=_("Contact used"), choices=ContactChannel.choices)
    contact_value = forms.CharField(label=_("Phone / WeChat ID"), max_length=50, required=False)
    feedback = forms.CharField(label=_("Feedback"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[("", "—"), *[(n, str(n)) for n in range(5, 0, -1)]],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("1 very dissatisfied - 5 very satisfied"),
    )
    problem_category = forms.ChoiceField(
        label=_("Problem category"), choices=[("", "—"), *ProblemCategory.choices], required=False
    )
    responsible = forms.ModelChoiceField(label=_("Responsible person"), queryset=None, required=False)
    handling_result = forms.CharField(label=_("Handling result"), max_length=300, required=False)

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = store_staff(store)


class AttemptForm(StyledForm):
    channel = forms.ChoiceField(label=_("Contact used"), choices=ContactChannel.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReassignForm(StyledForm):
    owner = forms.ModelChoiceField(label=_("Staff member"), queryset=None, required=False)
    owner_role = forms.ChoiceField(label=_("or a role"), choices=[("", "—"), *Role.choices], required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = store_staff(store)

    def clean(self):
        data = super().clean()
        if not data.get("owner") and not data.get("owner_role"):
            raise forms.ValidationError(_("Choose a person or a role."))
        return data


class ProblemHandleForm(StyledForm):
    handling_result = forms.CharField(label=_("Handling result"), max_length=300)


class ScriptForm(StyledForm):
    text = forms.CharField(label=_("Script"), widget=forms.Textarea(attrs={"rows": 8}))


class RuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = FollowUpRule
        fields = [f.name for f in FollowUpRule._meta.concrete_fields if f.name not in ("id", "store")]
