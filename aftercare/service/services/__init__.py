"""The service process: open a repair order at reception, build the estimate,
get it authorised, propose additional work, and move the order through its
states. Every function runs in one transaction, locks the repair order it
changes, checks the actor's permission in the order's store, and audits.

By responsibility: `workflow` (the transition table, guards, the row lock,
authorisation), `lines` (pricing, lines, discounts, totals, the customer's
decision on additional work) and `reception` (opening an order, its details,
the check-in sheet, photos). Callers import this package."""

from .lines import (
    TOTAL_FIELDS,
    DecisionEvidence,
    LineItem,
    line_add,
    line_decide,
    line_remove,
    lines_add,
    order_net_paid,
    register_net_paid_reader,
    repair_order_discount,
    repair_order_line_decided,
    repair_order_recalculate,
)
from .reception import (
    DAMAGE_KINDS,
    DETAIL_FIELDS,
    PHOTO_MAX_BYTES,
    check_in_record,
    photo_add,
    repair_order_open,
    repair_order_update,
)
from .workflow import (
    REPAIR_ORDER_WORKFLOW,
    TRANSITION_GUARDS,
    TRANSITION_PERMS,
    TransitionRefused,
    register_customer_link,
    register_transition_effect,
    register_transition_guard,
    repair_order_authorise,
    repair_order_move_locked,
    repair_order_refusal,
    repair_order_status_changed,
    repair_order_transition,
)

__all__ = [
    "DAMAGE_KINDS",
    "DETAIL_FIELDS",
    "PHOTO_MAX_BYTES",
    "REPAIR_ORDER_WORKFLOW",
    "TOTAL_FIELDS",
    "TRANSITION_GUARDS",
    "TRANSITION_PERMS",
    "DecisionEvidence",
    "LineItem",
    "TransitionRefused",
    "check_in_record",
    "line_add",
    "line_decide",
    "line_remove",
    "lines_add",
    "order_net_paid",
    "photo_add",
    "register_customer_link",
    "register_net_paid_reader",
    "register_transition_effect",
    "register_transition_guard",
    "repair_order_authorise",
    "repair_order_discount",
    "repair_order_line_decided",
    "repair_order_move_locked",
    "repair_order_open",
    "repair_order_recalculate",
    "repair_order_refusal",
    "repair_order_status_changed",
    "repair_order_transition",
    "repair_order_update",
]
