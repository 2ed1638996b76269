"""Changes to the service catalogue. Each runs in one transaction, checks
Perm.CATALOG_MANAGE and writes the audit trail with before/after.

Who may change what:
- a store's own row (and a bay): CATALOG_MANAGE in that store;
- a group default (DOMAIN §4.2): CATALOG_MANAGE through a group-wide role (a membership with
  no store) in that group, or an active superuser. Group defaults are the
  group's shared price list: they change prices in every store, so a store's
  own manager may not change them (a store overrides a default with its own
  row instead). The audit row of a group default is filed under the group's
  first store, so the trail of a store shows it.

Entries are never deleted (repair orders and estimates will point at them):
they are deactivated.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_record, diff, snapshot
from aftercare.core.models import AuditEntry, DealerGroup, Store
from aftercare.core.permissions import Perm

from .models import Bay, CatalogItem, PackageJob, PackageJobLine

SCOPE_FIELDS = {"group", "group_id", "store", "store_id"}

# Reading the catalogue: whoever works on repair orders or customers, and its managers.
READ_PERMS = (Perm.REPAIR_ORDER_VIEW, Perm.CUSTOMER_VIEW, Perm.CATALOG_MANAGE)


def can_read(user) -> bool:
    return user is not None and user.is_authenticated and any(user.has_perm(perm) for perm in READ_PERMS)


def manageable_store_ids(user) -> list[int]:
    return user.store_ids(Perm.CATALOG_MANAGE) if user is not None and user.is_authenticated else []


def manageable_groups(user) -> dict[int, int]:
    """{group id: the group's first store} for every group whose defaults the user
    manages: through a group-wide role granting CATALOG_MANAGE, or as an active
    superuser. Cached on the user object for the request (tables ask once per row)."""
    if user is None or not user.is_authenticated:
        return {}
    if not hasattr(user, "_catalog_groups_cache"):
        groups: dict[int, int] = {}
        stores = Store.objects.filter(group_id__in=user.group_ids(Perm.CATALOG_MANAGE))
        for group_id, store_id in stores.order_by("pk").values_list("group_id", "pk"):
            groups.setdefault(group_id, store_id)
        user._catalog_groups_cache = groups
    return user._catalog_groups_cache


def can_manage(user, item) -> bool:
    """May `user` change `item` (an existing row or a new one with its scope set)?"""
    if getattr(item, "store_id", None) is not None:
        return item.store_id in manageable_store_ids(user)
    return getattr(item, "group_id", None) in manageable_groups(user)


def _require_manage(actor, item) -> None:
    if not can_manage(actor, item):
        raise PermissionDenied(_("You may not change this catalogue entry."))


def audit_fields(model: type[models.Model]) -> list[str]:
    """The fields recorded in the audit trail: everything but the timestamps."""
    return [f.attname for f in model._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}]


def _audit_store_id(actor, item) -> int | None:
    if item.store_id is not None:
        return item.store_id
    return manageable_groups(actor).get(item.group_id)


def _save_checked(item, *, key_field: str, update_fields: list[str] | None = None) -> None:
    item.full_clean(validate_constraints=False)
    try:
        # A savepoint, so that losing a race on the unique code leaves the
        # outer transaction usable and the caller gets a field error, not a 500.
        with transaction.atomic():
            item.save(update_fields=update_fields)
    except IntegrityError as error:
        raise ValidationError({key_field: _("This code is already used at this level.")}) from error
    # Read back what the database stored (0.6 comes back as 0.60), so the
    # audit trail and the caller see the stored values.
    item.refresh_from_db()


def catalog_item_create(
    *,
    actor,
    model: type[CatalogItem] | type[Bay],
    data: dict,
    store: Store | None = None,
    group: DealerGroup | None = None,
):
    """Create an entry: a store row when `store` is given, else a default of `group`."""
    item = model(**{name: value for name, value in data.items() if name not in SCOPE_FIELDS})
    if model is Bay:
        if store is None:
            raise ValidationError({"store": _("A bay belongs to one store.")})
        item.store = store
    else:
        if store is None and group is None:
            raise ValidationError({"store": _("Choose a store or the group default.")})
        item.set_scope(store=store, group=group)
    _require_manage(actor, item)
    with transaction.atomic():
        _save_checked(item, key_field=model.key_field)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=item,
            store=_audit_store_id(actor, item),
            changes=diff({}, snapshot(item, audit_fields(model))),
        )
    return item


def catalog_item_update(*, actor, instance, data: dict):
    """Change an entry's fields. Its level (group default or which store) never changes:
    to differ from the group, a store creates its own row with the same code."""
    model = type(instance)
    _require_manage(actor, instance)
    editable = {f.name for f in model._meta.concrete_fields if f.editable} - SCOPE_FIELDS
    unknown = set(data) - editable
    if unknown:
        raise ValueError(f"not editable catalogue fields: {sorted(unknown)}")
    with transaction.atomic():
        item = model._default_manager.select_for_update().get(pk=instance.pk)
        fields = audit_fields(model)
        before = snapshot(item, fields)
        if getattr(item, "is_system", False):
            if data.get("code", item.code) != item.code:
                raise ValidationError({"code": _("The code of a system repair type cannot change.")})
            if data.get("is_active", True) is False:
                raise ValidationError({"is_active": _("A system repair type cannot be deactivated.")})
        for name, value in data.items():
            setattr(item, name, value)
        _save_checked(item, key_field=model.key_field, update_fields=[*data, "updated_at"])
        changes = diff(before, snapshot(item, fields))
        if changes:
            audit_record(
                actor=actor,
                action=AuditEntry.Action.UPDATE,
                obj=item,
                store=_audit_store_id(actor, item),
                changes=changes,
            )
    return item


def catalog_item_deactivate(*, actor, instance):
    """Take an entry out of use; documents that refer to it keep it."""
    return catalog_item_update(actor=actor, instance=instance, data={"is_active": False})


def _line_summary(line: PackageJobLine) -> str:
    target = line.operation.code if line.operation_id else line.part.part_no
    return f"{target}×{line.quantity.normalize():f}"


def package_job_lines_set(*, actor, package: PackageJob, lines: list[dict]) -> list[PackageJobLine]:
    """Replace the lines of a package job. Each line is {"operation" or "part", "quantity"}."""
    _require_manage(actor, package)
    with transaction.atomic():
        package = PackageJob.objects.select_for_update().get(pk=package.pk)
        old = list(package.lines.select_related("operation", "part"))
        new = []
        errors = {}
        for index, data in enumerate(lines):
            line = PackageJobLine(
                package=package,
                operation=data.get("operation"),
                part=data.get("part"),
                quantity=data.get("quantity"),
                sort_order=index,
            )
            try:
                line.full_clean(exclude=["package"], validate_constraints=False)
            except ValidationError as error:
                errors[f"lines.{index}"] = error.messages
            new.append(line)
        if errors:
            raise ValidationError(errors)
        package.lines.all().delete()
        PackageJobLine.objects.bulk_create(new)
        before, after = [_line_summary(line) for line in old], [_line_summary(line) for line in new]
        if before != after:
            audit_record(
                actor=actor,
                action=AuditEntry.Action.UPDATE,
                obj=package,
                store=_audit_store_id(actor, package),
                changes={"lines": [before, after]},
            )
    return new
