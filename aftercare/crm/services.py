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
