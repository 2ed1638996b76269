from django.db import models


class StoreScopedQuerySet(models.QuerySet):
    """The only door to store-owned rows: `Model.objects.for_user(user, perm)`.

    A model says how to reach its store with `store_lookup` on its queryset
    class ("store" by default, "id" for Store itself, "vehicle__store" for a
    row that hangs off another). The user object answers which stores it may
    act on (`user.store_ids(perm)`), so core needs nothing from accounts.
    """

    store_lookup = "store"

    def for_user(self, user, perm: str | None = None):
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(**{f"{self.store_lookup}__in": user.store_ids(perm)})

    def for_store(self, store):
        return self.filter(**{self.store_lookup: store})


class AppendOnlyQuerySetMixin:
    """Rows that are only ever added (the audit trail, payments, stock movements, ledger
    postings): the QuerySet refuses bulk updates and deletes, so a mistake is corrected by a
    new, reversing row and every total can be re-added from the rows. The model refuses
    its own save-over and delete the same way."""

    append_only_message = "These records are append-only; add a reversing record instead."

    def delete(self):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(self.append_only_message)

    def update(self, **kwargs):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(self.append_only_message)
