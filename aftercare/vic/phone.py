"""The customer's phone pages of the VIC programme, served through a portal link (no login: the
link is the key; the portal dispatches its RSVP and SIGN purposes here, docs/DOMAIN.md §15.2):
the answer to an invitation, with at most one guest, and the signature of a handover."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core.forms import StyledForm
from aftercare.portal.forms import SignatureForm
from aftercare.portal.views import page_response

from . import selectors, services
from .choices import MAX_GUESTS


class RsvpForm(StyledForm):
    coming = forms.TypedChoiceField(
        label=gettext_lazy("Will you come?"),
        coerce=lambda v: v == "yes",
        choices=[("yes", gettext_lazy("Yes, I will come")), ("no", gettext_lazy("Sorry, I cannot come"))],
        widget=forms.RadioSelect,
    )
    guests = forms.IntegerField(label=gettext_lazy("Guests with you"), min_value=0, max_value=MAX_GUESTS, initial=0)
    guest_name = forms.CharField(label=gettext_lazy("Guest's name"), max_length=50, required=False)


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def rsvp_page(request, link, token, context):
    invitation = services.invitation_for_link(link)
    if invitation is None:
        return page_response(request, "portal/refused.html", {"reason": "invalid"}, status=404)
    form = RsvpForm(request.POST or None, initial={"guests": invitation.guests, "guest_name": invitation.guest_name})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.rsvp(
                    link=link, coming=data["coming"], guests=data["guests"] or 0, guest_name=data["guest_name"]
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Thank you: your answer has been recorded."))
                return redirect("portal_public:open", token=token)
        status = 400
    event = invitation.event
    return page_response(
        request,
        "vic/phone_rsvp.html",
        {
            **context,
            "invitation": invitation,
            "event": event,
            "form": form,
            "started": event.starts_at <= timezone.now(),
        },
        status=status,
    )


def sign_page(request, link, token, context):
    handover = services.handover_for_link(link)
    if handover is None:
        return page_response(request, "portal/refused.html", {"reason": "invalid"}, status=404)
    form = SignatureForm(request.POST or None)
    status = 200
    if request.method == "POST":
        signature = form.cleaned_data["signature"] if form.is_valid() else ""
        try:
            services.handover_sign(link=link, signature=signature)
        except ValidationError as error:
            form.add_error(None, error.messages)
            status = 400
        else:
            messages.success(request, _("Thank you: the handover is signed."))
            return redirect("portal_public:open", token=token)
    return page_response(
        request,
        "vic/phone_sign.html",
        {**context, "handover": handover, "form": form, "subject": selectors.handover_subject(handover)},
        status=status,
    )
