"""Changes a manager makes to the retention engine (docs/DOMAIN.md §11)."""

from django.db import transaction

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require

from .models import RecommendationRule, RetentionRule


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


RULE_FIELDS = [
    "code", "enabled", "preference", "tag", "powertrains", "min_vehicle_age", "months", "item_kind", "item_code",
    "reason", "sort_order",
]  # fmt: skip


def recommendation_rule_save(*, actor, form) -> RecommendationRule:
    """Create or change a store's recommendation rule from its validated form (docs/DOMAIN.md §11.7)."""
    rule = form.instance
    require(actor, Perm.CAMPAIGN_MANAGE, rule.store)
    creating = rule.pk is None
    before = {} if creating else RecommendationRule.objects.filter(pk=rule.pk).values(*RULE_FIELDS).first() or {}
    with transaction.atomic():
        rule = form.save()
        after = {name: getattr(rule, name) for name in RULE_FIELDS}
        changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
            obj=rule,
            changes=changes,
        )
    return rule


def recommendation_rule_toggle(*, actor, rule: RecommendationRule) -> RecommendationRule:
    """Switch a recommendation rule on or off."""
    require(actor, Perm.CAMPAIGN_MANAGE, rule.store)
    with transaction.atomic():
        rule = RecommendationRule.objects.select_for_update().select_related("store").get(pk=rule.pk)
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
