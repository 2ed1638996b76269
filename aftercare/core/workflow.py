"""The one workflow mechanism of every document that moves through states
(repair orders, complaints, appointments).

A document's workflow is a `Workflow`: its transition table (state -> allowed
next states, kept as data in the app's choices.py), the guards that may hold a
move back (the app's own, and those other apps register for a target state),
the model of its history rows and the signal that announces a move. The app's
services lock the document, check the actor's permission and call `move`,
which refuses a move the table or a guard does not allow before anything is
written, then saves the status, writes one history row (who, when, from, to,
note) and one audit row, and sends the signal after the transaction commits.
Receivers of the signal therefore never see a move that was rolled back."""

import functools
import inspect
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import models, transaction
from django.db.transaction import TransactionManagementError
from django.dispatch import Signal
from django.utils import timezone

from .audit import audit_entry
from .exceptions import Conflict
from .models import AuditEntry

# guard(obj) or guard(obj, context=...) -> the reason the move is refused, or None.
Guard = Callable[..., str | None]
Effect = Callable[..., None]


class TransitionRefused(Conflict):
    """A move the workflow does not allow now (HTTP 409 in the API)."""


@functools.cache
def _takes_context(guard: Guard) -> bool:
    try:
        return "context" in inspect.signature(guard).parameters
    except (TypeError, ValueError):
        return False


class Workflow:
    """One document's workflow. `history_fk` names the history model's foreign
    key to the document; the signal is sent with `<history_fk>_id`, from_status,
    to_status and actor_id. `refused_message` takes %(from)s and %(to)s (state
    labels). `stamp(obj, to, at)` sets what a state records on the document
    itself (a closing time, a clock) and returns the names of those fields."""

    def __init__(
        self,
        *,
        model: type[models.Model],
        states: type[models.TextChoices],
        transitions: dict[str, tuple[str, ...]],
        history: type[models.Model],
        history_fk: str,
        signal: Signal,
        refused_message: str,
        guards: dict[str, Iterable[Guard]] | None = None,
        stamp: Callable[[models.Model, str, datetime], list[str]] | None = None,
    ) -> None:
        self.model = model
        self.labels = dict(states.choices)
        self.transitions = transitions
        self.history = history
        self.history_fk = history_fk
        self.signal = signal
        self.refused_message = refused_message
        self.guards: dict[str, list[Guard]] = {to: list(listed) for to, listed in (guards or {}).items()}
        self.effects: dict[str, list[Effect]] = {}
        self.stamp = stamp
        self._note_length = history._meta.get_field("note").max_length

    def allowed(self, status: str) -> tuple[str, ...]:
        return self.transitions.get(status, ())

    def register_guard(self, to: str, guard: Guard) -> None:
        """Attach a condition to moves into `to`. A guard that declares a
        `context` keyword receives what the mover knows: its `note`, and what a
        mover holding the lock has already computed (billing's balance). An
        app's ready() can run more than once (tests, autoreload): a guard is
        registered once."""
        listed = self.guards.setdefault(to, [])
        if guard not in listed:
            listed.append(guard)

    def register_effect(self, to: str, effect: Effect) -> None:
        """Attach another app's consequence of a move into `to`:
        effect(obj, actor=..., note=...) runs in the move's transaction, after
        the document and its history are written, so a failing effect undoes
        the move (e.g. billing gives back a cancelled order's coupon). Registered once."""
        listed = self.effects.setdefault(to, [])
        if effect not in listed:
            listed.append(effect)

    def refusal(self, obj, to: str, *, note: str = "", context: dict | None = None) -> str | None:
        """Why moving `obj` to `to` would be refused now, or None: the table
        first, then the guards of `to` in the order they were given. Reads only
        what the guards read; writes nothing, so pages may ask it too."""
        if to not in self.allowed(obj.status):
            return self.refused_message % {
                "from": self.labels.get(obj.status, obj.status),
                "to": self.labels.get(to, to),
            }
        context = {"note": note, **(context or {})}
        for guard in self.guards.get(to, ()):
            if message := (guard(obj, context=context) if _takes_context(guard) else guard(obj)):
                return message
        return None

    def move(
        self,
        obj,
        to: str,
        *,
        actor,
        note: str = "",
        context: dict | None = None,
        fields: Iterable[str] = (),
        changes: dict | None = None,
        audit: Iterable[AuditEntry] = (),
        at: datetime | None = None,
    ):
        """Move `obj`, locked by the caller in the transaction it is in, to `to`.
        Everything that can refuse runs before the first write, so a refused
        move leaves nothing to roll back. `fields` are other fields the caller
        set on `obj` for this move, saved with the status; `changes` go into the
        move's audit row beside the status; `audit` are the caller's own unsaved
        audit rows, written in the same INSERT as the move's."""
        if not transaction.get_connection().in_atomic_block:
            raise TransactionManagementError("A workflow move needs the transaction that locked the document.")
        if message := self.refusal(obj, to, note=note, context=context):
            raise TransitionRefused(message)
        at = at or timezone.now()
        from_status = obj.status
        obj.status = to
        stamped = self.stamp(obj, to, at) if self.stamp else []
        obj.save(update_fields=list(dict.fromkeys(["status", *stamped, *fields, "updated_at"])))
        self.history.objects.create(
            **{self.history_fk: obj},
            from_status=from_status,
            to_status=to,
            changed_by=actor,
            changed_at=at,
            note=note[: self._note_length],
        )
        moved = audit_entry(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=obj,
            changes={"status": [from_status, to], **(changes or {})},
            reason=note,
        )
        AuditEntry.objects.bulk_create([*audit, moved])
        for effect in self.effects.get(to, ()):
            effect(obj, actor=actor, note=note)
        event = {
            f"{self.history_fk}_id": obj.pk,
            "from_status": from_status,
            "to_status": to,
            "actor_id": getattr(actor, "pk", None),
        }
        transaction.on_commit(lambda: self.signal.send(sender=self.model, **event))
        return obj

    def start(self, obj, *, actor, at: datetime | None = None) -> None:
        """The first history row of a new document: it entered its first state."""
        self.history.objects.create(
            **{self.history_fk: obj}, to_status=obj.status, changed_by=actor, changed_at=at or timezone.now()
        )
