"""The messaging door (docs/DOMAIN.md §15.1): every message to a customer goes
through `message_send`, which decides consent, channel, quiet hours, the
frequency cap and duplicates, and writes one outbox row in the caller's
transaction; the sender (`messages_send_due`) claims due rows after commit and
hands them to the store's provider adapter.

Other apps call this module; it imports none of them beyond core, accounts,
catalog and customers. The "call" channel is a follow-up task, created by the
handler followups registers with `register_call_handler`."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require
from aftercare.customers.choices import ConsentChannel, ConsentPurpose
from aftercare.customers.selectors import current_consents

from .choices import (
    COUNTED_STATES,
    MARKETING_CONSENT,
    PENDING_STATES,
    SENDING_CHANNELS,
    Channel,
    Purpose,
    Reason,
    State,
    consent_purpose,
)
from .defaults import DEFAULT_TEXTS
from .models import Message, MessageEvent, MessageTemplate, ProviderAccount, StoreMessagingSettings
from .providers import OutboundMessage, ProviderError, SendResult, SignatureInvalid, adapter_for

logger = logging.getLogger(__name__)

# A claimed row's lease: a worker killed mid-send leaves it "sending", and after
# this it is due again (sent at least once; the provider's idempotency key
# suppresses the second copy where the provider has one). docs/DOMAIN.md §15.1.
SEND_LEASE = timedelta(minutes=5)
# Backoff before retry n: RETRY_BASE * 2**(n-1).
RETRY_BASE = timedelta(minutes=1)
CAP_WINDOW = timedelta(days=30)
# The first event's note of an urgent service notice, sent in the quiet hours too (§15.1).
URGENT_NOTE = "urgent"


@dataclass(frozen=True)
class ContactDecision:
    allowed: bool
    channel: str | None
    reason: str


# --- the call channel -----------------------------------------------------------------------

_call_handlers: list = []


def register_call_handler(fn) -> None:
    """followups registers fn(message) -> a follow-up task; messaging never imports followups.
    Registering again replaces the handler (one call channel)."""
    _call_handlers[:] = [fn]


def call_handler():
    return _call_handlers[0] if _call_handlers else None


# --- settings, templates ----------------------------------------------------------------------


_batch: ContextVar[dict | None] = ContextVar("messaging_batch", default=None)


@contextmanager
def sending_batch():
    """A run of messages (a campaign's invitations, a night of rules): inside it the door reads each
    store's settings, provider channels and templates once instead of once a message. Consents,
    duplicates and the frequency cap are still read per message: they are the customer's."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def _per_store(key: tuple, read):
    cache = _batch.get()
    if cache is None:
        return read()
    if key not in cache:
        cache[key] = read()
    return cache[key]


def store_settings(store) -> StoreMessagingSettings:
    """The store's (a store or its id) row, or the defaults (unsaved) when the store has none."""
    store_id = getattr(store, "pk", store)

    def read():
        row = StoreMessagingSettings.objects.filter(store_id=store_id).first()
        return row or StoreMessagingSettings(store_id=store_id)

    return _per_store(("settings", store_id), read)


def template_ensure(
    *,
    store=None,
    code: str,
    channel: str,
    text: str,
    subject: str = "",
    purpose: str = Purpose.SERVICE,
    provider_template_code: str = "",
    name: str = "",
    group=None,
) -> MessageTemplate:
    """Create the template if it does not exist yet (an existing one, perhaps
    edited by the store, is kept). store=None is a default: of `group` when
    given (else of the store's group), or of the whole installation."""
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if store is not None:
        group = None
    lookup = {"store": store, "code": code, "channel": channel}
    lookup["group"] = store.group if store is not None else group
    template, created = MessageTemplate.objects.get_or_create(
        **lookup,
        defaults={
            "text": text,
            "subject": subject,
            "purpose": purpose,
            "provider_template_code": provider_template_code,
            "name": name,
        },
    )
    if created and (cache := _batch.get()):  # a template read earlier in the batch may now be another one
        for key in [k for k in cache if k[0] == "template" and k[2] == code]:
            del cache[key]
    return template


def template_for(store, code: str, channel: str) -> MessageTemplate | None:
    """The active template `store` uses for `code` on `channel`: its own, else its
    group's default, else the installation's, else the built-in text (unsaved)."""
    return _per_store(("template", store.pk, code, channel), lambda: _template_for(store, code, channel))


def _template_for(store, code: str, channel: str) -> MessageTemplate | None:
    rows = MessageTemplate.objects.filter(code=code, channel=channel, is_active=True).filter(
        Q(store=store) | Q(store__isnull=True, group_id=store.group_id) | Q(store__isnull=True, group__isnull=True)
    )
    best = None
    for row in rows:
        rank = 0 if row.store_id else 1 if row.group_id else 2
        if best is None or rank < best[0]:
            best = (rank, row)
    if best:
        return best[1]
    if code in DEFAULT_TEXTS:
        purpose, subject, text = DEFAULT_TEXTS[code]
        return MessageTemplate(code=code, channel=channel, purpose=purpose, subject=subject, text=text)
    return None


_VARIABLE = re.compile(r"\{(\w+)\}")


def render(text: str, context: dict) -> str:
    """{name} → context["name"] (missing: empty). No attribute access, no code."""
    return _VARIABLE.sub(lambda m: str(context.get(m[1], "") or ""), text).strip()


def template_variables(text: str) -> list[str]:
    return list(dict.fromkeys(_VARIABLE.findall(text)))


def sms_segments(text: str) -> tuple[int, int]:
    """(length, segments) of an SMS in Chinese (UCS-2): 70 characters fit in one
    message; a longer one is sent in parts of 67 each (docs/DOMAIN.md §15.1)."""
    length = len(text)
    if length <= 70:
        return length, 1 if length else 0
    return length, -(-length // 67)


# --- the decision ---------------------------------------------------------------------------


def address_for(customer, channel: str) -> str:
    if channel in (Channel.SMS, Channel.PHONE):
        return customer.mobile or ""
    if channel == Channel.WECHAT:
        return customer.wechat_id or ""
    if channel == Channel.EMAIL:
        return customer.email or ""
    return ""


def _consented(consents: dict, purpose: str, channel: str) -> bool:
    """docs/DOMAIN.md §2.6: service notices unless withdrawn (never depending on
    marketing consent); marketing only with a yes for that channel."""
    row = consents.get(consent_purpose(purpose, channel))
    if row is None:
        return purpose == Purpose.SERVICE
    return row.granted


def channel_order(customer, cfg: StoreMessagingSettings) -> list[str]:
    """The customer's preferred channel first, then the store's fallback order. A
    preferred "phone" means the mobile: the call channel is used only when the
    store's order names it or the caller asks for it."""
    order = []
    preferred = customer.preferred_channel
    if preferred in SENDING_CHANNELS:
        order.append(preferred)
    for channel in cfg.fallback_channels or []:
        if channel in Channel.values and channel not in order:
            order.append(channel)
    return order


def _decide(customer, purpose: str, channel: str | None, cfg, with_account=frozenset()) -> ContactDecision:
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    consents = current_consents(customer)
    candidates = [channel] if channel else channel_order(customer, cfg)
    usable, refused = [], False
    for candidate in candidates:
        if candidate not in Channel.values:
            raise ValidationError({"channel": _("Unknown channel.")})
        if not _consented(consents, purpose, candidate):
            refused = True
            continue
        if not address_for(customer, candidate):
            continue
        usable.append(candidate)
    if not usable:
        return ContactDecision(False, None, Reason.NO_CONSENT if refused or not candidates else Reason.NO_ADDRESS)
    # A channel the store can send on wins; otherwise the first allowed one (it
    # fails at sending with "no provider account", which the admin sees).
    for candidate in usable:
        if candidate == Channel.PHONE or candidate in with_account:
            return ContactDecision(True, candidate, "")
    return ContactDecision(True, usable[0], "")


def contact_check(*, customer, purpose: str, channel: str | None = None) -> ContactDecision:
    """May `customer` be contacted for `purpose` (on `channel`, or on the first
    channel of their order)? Followups, complaints and the retention engine ask
    this before creating a call task or a message (docs/DOMAIN.md §15.1)."""
    return _decide(customer, purpose, channel, store_settings(customer.store_id))


def refusals(customer) -> list[str]:
    """The purposes the customer has withdrawn (labels), for the caller screen and tasks."""
    from aftercare.customers.choices import ConsentPurpose as CP

    labels = dict(CP.choices)
    service_marketing = {CP.SERVICE, *MARKETING_CONSENT.values()}
    return [
        str(labels[p])
        for p, row in current_consents(customer).items()
        if p in service_marketing and row and not row.granted
    ]


def in_quiet_hours(cfg: StoreMessagingSettings, now: datetime) -> datetime | None:
    """The end of the quiet hours `now` falls in, or None (docs/DOMAIN.md §15.1)."""
    local = timezone.localtime(now)
    start, end = _as_time(cfg.quiet_start), _as_time(cfg.quiet_end)
    if start == end:
        return None
    t = local.time()
    if start > end:  # over midnight: 21:00-08:00
        if t >= start:
            day = local.date() + timedelta(days=1)
        elif t < end:
            day = local.date()
        else:
            return None
    elif start <= t < end:
        day = local.date()
    else:
        return None
    return timezone.make_aware(datetime.combine(day, end), local.tzinfo)


def _as_time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def _active_channels(store) -> set[str]:
    return _per_store(
        ("channels", store.pk),
        lambda: set(ProviderAccount.objects.filter(store=store, is_active=True).values_list("channel", flat=True)),
    )


def _event(message: Message, from_state: str, note: str = "", at=None) -> MessageEvent:
    return MessageEvent(
        message=message, from_state=from_state, to_state=message.state, note=note[:200], at=at or timezone.now()
    )


def message_send(
    *,
    store,
    customer,
    purpose: str,
    template_code: str,
    context: dict,
    dedupe_key: str,
    channel: str | None = None,
    vehicle=None,
    actor=None,
    source=None,
    urgent: bool = False,
) -> Message:
    """The one door (docs/DOMAIN.md §15.1). Writes one outbox row in the caller's
    transaction and sends it after commit. Never raises because of consent: a
    refused message is stored "cancelled" with its reason; one that falls in the
    quiet hours is "held" until they end, unless it is `urgent`: a service notice
    the customer asked for and is waiting on (a rescue's status), never marketing."""
    if urgent and purpose != Purpose.SERVICE:
        raise ValueError("Only a service notice may be urgent (docs/DOMAIN.md §15.1).")
    now = timezone.now()
    cfg = store_settings(store)
    message = Message(
        store=store, customer=customer, vehicle=vehicle, purpose=purpose, template_code=template_code,
        dedupe_key=dedupe_key[:120], created_by=actor if actor and actor.is_authenticated else None, created_at=now,
    )  # fmt: skip
    if source is not None:
        message.source_type = ContentType.objects.get_for_model(source)
        message.source_id = source.pk
    decision = _decide(customer, purpose, channel, cfg, _active_channels(store))
    message.channel = decision.channel or channel or ""
    message.to = address_for(customer, message.channel) if message.channel else ""

    reason = ""
    if Message.objects.filter(store=store, dedupe_key=message.dedupe_key).exclude(state=State.CANCELLED).exists():
        reason = Reason.DUPLICATE
    elif not decision.allowed:
        reason = decision.reason
    elif purpose == Purpose.MARKETING and _over_cap(customer, cfg, now):
        reason = Reason.FREQUENCY_CAP
    else:
        template = template_for(store, template_code, message.channel)
        if template is None:
            reason = Reason.NO_TEMPLATE
        else:
            _fill(message, template, customer, vehicle, store, context)

    if reason:
        message.state, message.reason = State.CANCELLED, reason
    else:
        # An urgent service notice and the call channel are never held (docs/DOMAIN.md §15.1).
        held_until = in_quiet_hours(cfg, now) if message.channel != Channel.PHONE and not urgent else None
        if held_until:
            message.state, message.reason, message.next_attempt_at = State.HELD, Reason.QUIET_HOURS, held_until
        else:
            message.state, message.next_attempt_at = State.QUEUED, now
    try:
        with transaction.atomic():  # a savepoint: a racing duplicate must not break the caller's transaction
            message.save()
    except IntegrityError:
        message.pk = None
        message.state, message.reason, message.next_attempt_at = State.CANCELLED, Reason.DUPLICATE, None
        message.save()
    _event(message, "", message.reason or (URGENT_NOTE if urgent else ""), at=now).save()
    if message.state == State.QUEUED:
        pk = message.pk
        transaction.on_commit(lambda: _enqueue_send(pk))
    return message


def _enqueue_send(message_id: int) -> None:
    from .tasks import message_send_now

    try:
        message_send_now.enqueue(message_id=message_id)
    except Exception:  # the every-minute sweep sends it anyway (docs/DOMAIN.md §15.1)
        logger.exception("Could not enqueue message %s", message_id)


def _fill(message: Message, template: MessageTemplate, customer, vehicle, store, context: dict) -> None:
    values = {
        "customer_name": customer.name,
        "plate": getattr(vehicle, "plate", "") or "",
        "store": store.name,
        **{k: ("" if v is None else str(v)) for k, v in (context or {}).items()},
    }
    message.text = render(template.text, values)[:1000]
    message.subject = render(template.subject, values)[:120]
    message.params = {name: values.get(name, "") for name in template_variables(template.text)}
    message.provider_template_code = template.provider_template_code


def _over_cap(customer, cfg, now) -> bool:
    sent = Message.objects.filter(
        customer=customer, purpose=Purpose.MARKETING, state__in=COUNTED_STATES, created_at__gte=now - CAP_WINDOW
    ).count()
    return sent >= cfg.marketing_cap


# --- cancel and withdraw --------------------------------------------------------------------


def message_cancel(*, actor, message: Message, reason: str = Reason.BY_STAFF) -> Message:
    """Cancel a message that has not gone yet (queued or held)."""
    require(actor, Perm.CUSTOMER_EDIT, message.store)
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, state__in=PENDING_STATES).update(
            state=State.CANCELLED, reason=reason, next_attempt_at=None, updated_at=timezone.now()
        )
        if not updated:
            from aftercare.core.exceptions import Conflict

            raise Conflict(_("Only a queued or held message can be cancelled."))
        from_state = message.state
        message.refresh_from_db()
        _event(message, from_state, reason).save()
    return message


_VIA = {"sms": ConsentChannel.PHONE, "email": ConsentChannel.WEB, "portal": ConsentChannel.WEB}


def _consent_purposes(purposes) -> list[str]:
    out = []
    for purpose in purposes:
        if purpose == Purpose.MARKETING:
            out += list(MARKETING_CONSENT.values())
        elif purpose in ConsentPurpose.values:
            out.append(purpose)
        else:
            raise ValidationError({"purposes": _("Unknown purpose.")})
    return list(dict.fromkeys(out))


def consent_withdraw(*, customer, purposes, via: str, actor=None, note: str = "") -> None:
    """Record the withdrawal through customers' consent service at once and cancel
    the customer's queued or held messages of those purposes (docs/DOMAIN.md §2.6,
    §15.1). `purposes`: "service", "marketing" (every marketing channel) or the
    customers app's consent purposes (e.g. "marketing_sms")."""
    from aftercare.customers.services import consent_record

    consent_purposes = _consent_purposes(purposes)
    channel = _VIA.get(via, via)
    if channel not in ConsentChannel.values:
        raise ValidationError({"via": _("Unknown channel.")})
    with transaction.atomic():
        for purpose in consent_purposes:
            consent_record(
                actor=actor, customer=customer, purpose=purpose, granted=False, channel=channel, note=note[:200]
            )
        match = Q(pk__in=[])
        if ConsentPurpose.SERVICE in consent_purposes:
            match |= Q(purpose=Purpose.SERVICE)
        marketing = [ch for ch, cp in MARKETING_CONSENT.items() if cp in consent_purposes]
        if marketing:
            match |= Q(purpose=Purpose.MARKETING, channel__in=marketing)
        pending = list(Message.objects.select_for_update().filter(match, customer=customer, state__in=PENDING_STATES))
        if not pending:
            return
        now = timezone.now()
        Message.objects.filter(pk__in=[m.pk for m in pending], state__in=PENDING_STATES).update(
            state=State.CANCELLED, reason=Reason.WITHDRAWN, next_attempt_at=None, updated_at=now
        )
        events = []
        for message in pending:
            from_state, message.state = message.state, State.CANCELLED
            events.append(_event(message, from_state, Reason.WITHDRAWN, at=now))
        MessageEvent.objects.bulk_create(events)


# --- sending --------------------------------------------------------------------------------


def messages_claim(*, now=None, limit: int = 200, ids=None) -> list[int]:
    """Claim due rows for this worker: "sending" with a lease, attempts + 1. On
    PostgreSQL concurrent workers skip each other's locked rows; on SQLite the
    IMMEDIATE transaction serialises them (docs/DOMAIN.md §15.1)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Message.objects.due(now).order_by("next_attempt_at", "id")
        if ids is not None:
            due = due.filter(pk__in=ids)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values_list("pk", "state")[:limit])
        if not rows:
            return []
        pks = [pk for pk, _state in rows]
        Message.objects.filter(pk__in=pks).update(
            state=State.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + SEND_LEASE, updated_at=now
        )
        # The history records a release from the quiet hours; each attempt's outcome is
        # recorded by _record (from "sending"), and the row counts its attempts.
        MessageEvent.objects.bulk_create(
            MessageEvent(message_id=pk, from_state=state, to_state=State.SENDING, at=now,
                         note=_("released after quiet hours"))
            for pk, state in rows if state == State.HELD
        )  # fmt: skip
    return pks


class _Accounts:
    """The active account per (store, channel) and its adapter, read once per batch."""

    def __init__(self):
        self.cache: dict = {}

    def get(self, store_id: int, channel: str):
        key = (store_id, channel)
        if key not in self.cache:
            account = (
                ProviderAccount.objects.filter(store_id=store_id, channel=channel, is_active=True)
                .order_by("priority", "id")
                .first()
            )
            self.cache[key] = (account, adapter_for(account.provider, account.config) if account else None)
        return self.cache[key]


def messages_deliver(pks, *, now=None, accounts: _Accounts | None = None) -> int:
    """Send claimed rows, then record their outcomes together; returns how many the
    provider accepted. A worker killed before the record leaves the batch "sending":
    it is sent again when the lease runs out (docs/DOMAIN.md §15.1)."""
    accounts = accounts or _Accounts()
    outcomes = [
        (message, *_deliver_one(message, accounts))
        for message in Message.objects.filter(pk__in=pks, state=State.SENDING).only(*SEND_FIELDS)
    ]
    return _record(outcomes, now)


# The columns the sender reads of a claimed row (to send it, and to decide its outcome): the
# rest (the customer, the source, the dates) is left in the database, so a batch of 200 builds
# 200 small objects. A failed service notice reads what its staff task needs when it is raised.
SEND_FIELDS = (
    "id", "store_id", "customer_id", "purpose", "channel", "state", "to", "text", "subject",
    "provider_template_code", "params", "idempotency_key", "attempts",
)  # fmt: skip


def _deliver_one(message: Message, accounts: _Accounts) -> tuple[SendResult, str]:
    if message.channel == Channel.PHONE:
        handler = call_handler()
        if handler is None:
            return SendResult(ok=False, error=Reason.NO_CALL_HANDLER), "call"
        task = handler(message)
        return SendResult(ok=True, provider_message_id=str(getattr(task, "pk", "") or "")), "call"
    try:
        account, adapter = accounts.get(message.store_id, message.channel)
    except ProviderError as exc:
        return SendResult(ok=False, error=str(exc)), ""
    if account is None:
        return SendResult(ok=False, error=Reason.NO_PROVIDER), ""
    outbound = OutboundMessage(
        to=message.to, text=message.text, template_code=message.provider_template_code,
        params={k: str(v) for k, v in (message.params or {}).items()},
        sign_name=str(account.config.get("sign_name", "")), subject=message.subject,
        link=str((message.params or {}).get("link", "")), idempotency_key=str(message.idempotency_key),
    )  # fmt: skip
    try:
        result = adapter.send(outbound)
    except ProviderError as exc:
        result = SendResult(ok=False, retryable=True, error=str(exc))
    except Exception as exc:  # an adapter's bug or a network error: retry, the row is not lost
        logger.exception("Message %s: provider %s raised", message.pk, account.provider)
        result = SendResult(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}")
    return result, account.provider


def _outcome(message: Message, result: SendResult, provider: str, now) -> dict:
    """The row's fields after a send: sent; queued again after the backoff; or failed."""
    fields = {"state": State.FAILED, "reason": result.error[:200], "next_attempt_at": None, "provider": provider,
              "sent_at": None, "provider_message_id": ""}  # fmt: skip
    if result.ok:
        fields.update(state=State.SENT, sent_at=now, reason="", provider_message_id=result.provider_message_id[:100])
    elif result.retryable and message.attempts < store_settings_cached(message.store_id).max_attempts:
        fields.update(state=State.QUEUED, next_attempt_at=now + RETRY_BASE * (2 ** max(message.attempts - 1, 0)))
    return fields


def _record(outcomes, now=None) -> int:
    """Write the outcomes of a batch in one transaction, in a few set-based statements:
    the rows still "sending" (a row re-claimed after its lease ran out is written by
    whichever worker finishes first; the provider suppressed the copy) get one event
    each, whose note carries the provider's id or the error, and one UPDATE per kind
    of outcome sets their state and copies that note onto them."""
    now = now or timezone.now()
    rows, groups = [], defaultdict(list)
    with transaction.atomic():
        still = set(
            Message.objects.select_for_update()
            .filter(pk__in=[m.pk for m, _r, _p in outcomes], state=State.SENDING)
            .values_list("pk", flat=True)
        )
        for message, result, provider in outcomes:
            if message.pk not in still:
                continue
            fields = _outcome(message, result, provider, now)
            for name, value in fields.items():
                setattr(message, name, value)
            rows.append((message, result))
            groups[(fields["state"], provider, fields["next_attempt_at"], fields["sent_at"])].append(message.pk)
        if not rows:
            return 0
        events = MessageEvent.objects.bulk_create(
            MessageEvent(message_id=message.pk, from_state=State.SENDING, to_state=message.state,
                         note=(result.error or result.provider_message_id)[:200], at=now)
            for message, result in rows
        )  # fmt: skip
        first = min(event.pk for event in events)
        for (state, provider, next_attempt_at, sent_at), pks in groups.items():
            note = Subquery(
                MessageEvent.objects.filter(message=OuterRef("pk"), pk__gte=first).order_by("-pk").values("note")[:1]
            )
            values = {"state": state, "provider": provider, "next_attempt_at": next_attempt_at, "sent_at": sent_at}
            if state == State.SENT:
                values.update(provider_message_id=Substr(note, 1, 100), reason="")
            else:
                values.update(reason=note, provider_message_id="")
            Message.objects.filter(pk__in=pks).update(updated_at=now, **values)
        for message, _result in rows:
            if message.state == State.FAILED:
                _raise_staff_task(message)
    return sum(1 for _m, result in rows if result.ok)


_settings_cache: dict = {}


def store_settings_cached(store_id: int) -> StoreMessagingSettings:
    # Read once per run of the sender; the cache is cleared by messages_send_due.
    if store_id not in _settings_cache:
        row = StoreMessagingSettings.objects.filter(store_id=store_id).first()
        _settings_cache[store_id] = row or StoreMessagingSettings(store_id=store_id)
    return _settings_cache[store_id]


def _raise_staff_task(message: Message) -> None:
    """A service notice that could not go becomes a call for staff (the call
    handler's follow-up task); every failure also counts on the admin's home card."""
    handler = call_handler()
    if handler is None or message.channel == Channel.PHONE or message.purpose != Purpose.SERVICE:
        return
    try:
        with transaction.atomic():
            handler(message)
    except Exception:
        logger.exception("Could not raise a staff task for failed message %s", message.pk)


def messages_send_due(*, now=None, batch: int = 200, limit: int | None = None, ids=None) -> int:
    """Claim and send what is due, batch by batch; returns how many went out."""
    _settings_cache.clear()
    accounts = _Accounts()
    total = done = 0
    while True:
        pks = messages_claim(now=now, limit=batch, ids=ids)
        if not pks:
            return total
        total += messages_deliver(pks, now=now, accounts=accounts)
        done += len(pks)
        if ids is not None or (limit is not None and done >= limit):
            return total


# --- receipts and replies -------------------------------------------------------------------


def _accounts_of(provider: str):
    return ProviderAccount.objects.filter(provider=provider, is_active=True).select_related("store").order_by("pk")


def receipts_record(*, provider: str, body: bytes, headers) -> int:
    """Delivery receipts pushed by `provider`: the first active account whose
    adapter verifies the signature reads them; unknown ids are ignored. Raises
    SignatureInvalid when no account verifies it."""
    for account in _accounts_of(provider):
        try:
            receipts = adapter_for(provider, account.config).parse_receipts(body, headers)
        except SignatureInvalid:
            continue
        return _apply_receipts(provider, account.store_id, receipts)
    raise SignatureInvalid("no account of this provider verifies the receipt")


def _apply_receipts(provider: str, store_id: int, receipts) -> int:
    changed = 0
    for receipt in receipts:
        with transaction.atomic():
            message = (
                Message.objects.select_for_update()
                .filter(store_id=store_id, provider=provider, provider_message_id=receipt.provider_message_id)
                .exclude(provider_message_id="")
                .first()
            )
            if message is None or message.state not in (State.SENT, State.SENDING, State.QUEUED):
                continue
            from_state = message.state
            at = receipt.at or timezone.now()
            if receipt.delivered:
                message.state, message.delivered_at, message.reason = State.DELIVERED, at, ""
            else:
                message.state, message.reason = State.FAILED, (receipt.error or _("not delivered"))[:200]
            message.next_attempt_at = None
            message.save(update_fields=["state", "delivered_at", "reason", "next_attempt_at", "updated_at"])
            _event(message, from_state, receipt.error or _("receipt"), at=at).save()
            if message.state == State.FAILED:
                _raise_staff_task(message)
            changed += 1
    return changed


def inbound_record(*, provider: str, body: bytes, headers) -> int:
    """Replies pushed by `provider`: "TD" / "退订" or a WeChat unsubscribe withdraws
    that channel's marketing consent of the store's customers with that number or
    openid at once (docs/DOMAIN.md §15.1). Returns how many customers withdrew."""
    from aftercare.customers.models import Customer

    for account in _accounts_of(provider):
        try:
            replies = adapter_for(provider, account.config).parse_inbound(body, headers)
        except SignatureInvalid:
            continue
        withdrawn = 0
        channel = account.channel
        for reply in replies:
            if not reply.unsubscribe or not reply.sender:
                continue
            field = "wechat_id" if channel == Channel.WECHAT else "email" if channel == Channel.EMAIL else "mobile"
            sender = reply.sender[-11:] if field == "mobile" else reply.sender
            for customer in Customer.objects.filter(store_id=account.store_id, **{field: sender}).active():
                consent_withdraw(
                    customer=customer, purposes=[MARKETING_CONSENT.get(channel, ConsentPurpose.MARKETING_SMS)],
                    via=ConsentChannel.WECHAT if channel == Channel.WECHAT else "sms",
                    note=_("Unsubscribed by reply: %(text)s") % {"text": reply.text[:50]},
                )  # fmt: skip
                withdrawn += 1
        return withdrawn
    raise SignatureInvalid("no account of this provider verifies the reply")


# --- admin: provider accounts and templates ---------------------------------------------------

SECRET_WORDS = ("secret", "key", "password", "token", "aes")


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS) and not lowered.endswith("_id")


def masked_config(config: dict) -> dict:
    """The account's settings as pages and the API show them: secrets as ••••••."""
    return {k: ("••••••" if is_secret(k) and v else v) for k, v in (config or {}).items()}


def provider_account_save(*, actor, account: ProviderAccount, config: dict) -> ProviderAccount:
    """Save an account; a secret left empty keeps the one on file, and the audit
    trail records that a secret changed, never its value."""
    require(actor, Perm.STORE_MANAGE, account.store)
    from .providers import ADAPTERS

    if account.provider not in ADAPTERS:
        raise ValidationError({"provider": _("Unknown provider.")})
    adapter_channel = ADAPTERS[account.provider].channel
    if adapter_channel and adapter_channel != account.channel:
        raise ValidationError({"channel": _("This provider sends on another channel.")})
    if account.provider == "sandbox" and not settings.DEMO_MODE:
        raise ValidationError({"provider": _("The sandbox works in demo mode only.")})
    old = {}
    if account.pk:
        old = ProviderAccount.objects.filter(pk=account.pk).values_list("config", flat=True).first() or {}
    merged = {}
    for key, value in config.items():
        merged[key] = old.get(key, "") if is_secret(key) and value in ("", None) else value
    changes = {k: ["", "changed" if is_secret(k) else v] for k, v in merged.items() if old.get(k) != v}
    account.config = merged
    account.updated_by = actor
    with transaction.atomic():
        account.save()
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=account, changes=changes)
    return account


def template_save(*, actor, template: MessageTemplate) -> MessageTemplate:
    require(actor, Perm.STORE_MANAGE, template.store)
    if template.store is None and template.group is None:
        raise ValidationError(_("Choose a store or a group."))
    with transaction.atomic():
        template.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=template, changes={"text": ["", template.text[:50]]}
        )
    return template


def settings_save(*, actor, row: StoreMessagingSettings) -> StoreMessagingSettings:
    require(actor, Perm.STORE_MANAGE, row.store)
    unknown = [c for c in row.fallback_channels if c not in Channel.values]
    if unknown:
        raise ValidationError({"fallback_channels": _("Unknown channel.")})
    with transaction.atomic():
        row.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=row.store, changes={"messaging": ["", "changed"]}
        )
    return row


# --- helpers for the apps that send ---------------------------------------------------------


def staff_context(user) -> dict:
    """{advisor, advisor_phone} of the staff member a notice names."""
    if user is None:
        return {"advisor": "", "advisor_phone": ""}
    return {"advisor": str(user), "advisor_phone": getattr(user, "mobile", "") or ""}


def local_time_text(value) -> str:
    """A time as the customer reads it in a message: 12月8日 09:30."""
    local = timezone.localtime(value)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
