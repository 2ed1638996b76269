"""Changes a manager makes to the retention engine (docs/DOMAIN.md §11)."""

from django.db import transaction

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require

from .models import RetentionRule


def rule_toggle(*, actor, rule: RetentionRule) -> RetentionRule:
    """Switch a rule on or off."""
    require(actor, Perm.CAMPAIGN_MANAGE, rule.store)
    with transaction.atomic():
        rule = RetentionRule.objects.select_for_update().get(pk=rule.pk)
        rule.enabled = not rule.enabled
        rule.save(update_fields=["enabled"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=rule,
            changes={"enabled": [not rule.enabled, rule.enabled]},
        )
    return rule


def recommendation_add(*, actor, order, rule):
    """Put a recommended entry on the order through the spine's one line-adding service
    (its permission, pricing, duplicate check and audit row)."""
    from aftercare.service.services import line_add

    from .recommendations import for_order

    shown = {r.rule.pk: r for r in for_order(order)}
    if rule.pk not in shown:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(_("This recommendation no longer applies to this repair order."))
    item = shown[rule.pk].item
    if shown[rule.pk].is_package:
        return line_add(actor=actor, order=order, package=item)
    return line_add(actor=actor, order=order, operation=item)
