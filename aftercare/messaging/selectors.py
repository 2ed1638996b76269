"""Reads of the messaging door: the set-based form of contact_check for the nightly
generators, the message log of a customer and of a store, template previews."""

from aftercare.core.permissions import Perm
from aftercare.customers.models import Consent, Customer

from .choices import Channel, Purpose, consent_purpose
from .models import Message
from .services import address_for, render, sms_segments, template_variables  # noqa: F401

ADDRESS_COLUMN = {Channel.SMS: "mobile", Channel.PHONE: "mobile", Channel.WECHAT: "wechat_id", Channel.EMAIL: "email"}


def contact_allowed_sql(*, purpose: str, channel: str, customer: str = "") -> tuple[str, list]:
    """(SQL condition, params) true for the customers contact_check allows for
    `purpose` on `channel`, for generators that insert set-based (INSERT ...
    SELECT over the customers table; `customer` is its alias, empty for the
    table's own name). The same rule as contact_check (docs/DOMAIN.md §2.6,
    §15.1): the latest consent row of that purpose decides; service notices
    are allowed unless withdrawn, marketing needs a yes; and the customer has
    an address on the channel."""
    ref = customer or Customer._meta.db_table
    latest = (
        f"(SELECT k.granted FROM {Consent._meta.db_table} k WHERE k.customer_id = {ref}.id "  # noqa: S608 (model names)
        "AND k.purpose = %s ORDER BY k.recorded_at DESC, k.id DESC LIMIT 1)"
    )
    params: list = [consent_purpose(purpose, channel)]
    if purpose == Purpose.SERVICE:
        condition = f"COALESCE({latest}, %s) = %s"
        params += [True, True]
    else:
        condition = f"{latest} = %s"
        params.append(True)
    return f"({condition} AND {ref}.{ADDRESS_COLUMN[channel]} <> '')", params


def customer_messages(user, customer) -> list[Message]:
    """The customer's message log (the 360 page's panel), newest first."""
    return list(
        Message.objects.for_user(user, Perm.CUSTOMER_VIEW)
        .filter(customer=customer)
        .select_related("vehicle")
        .order_by("-created_at", "-id")[:50]
    )


def store_messages(user):
    return Message.objects.for_user(user, Perm.CUSTOMER_VIEW).select_related("customer", "vehicle", "store")


def preview(text: str, context: dict) -> dict:
    rendered = render(text, context)
    length, segments = sms_segments(rendered)
    return {"text": rendered, "length": length, "segments": segments, "variables": template_variables(text)}


SAMPLE_CONTEXT = {
    "customer_name": "王先生",
    "plate": "粤A12345",
    "store": "天河店",
    "advisor": "李明",
    "advisor_phone": "13800138000",
    "date": "12月8日 09:30",
    "link": "https://example.com/p/AbC123",
}
