"""The one import pipeline: a spreadsheet's rows through an app's services,
previewed first, then imported all or nothing or only the valid rows.

An app describes one kind of row with an `Importer` subclass: its columns, how
one row becomes a service call (`row`), and what to fetch once for the whole
file (`prepare`). Everything else is here:

- every row runs through the app's services inside a savepoint, so the
  service's own rules (normalising, duplicates, permissions, the audit trail)
  are the import's rules;
- the preview *is* the import, rolled back: what the preview reports is what
  the import will do, and no second copy of the rules can drift away;
- a row reports every problem it has, each with the row number Excel shows
  (the header is row 1) and the column as the file names it: the cells that
  could not be read, and what the service says about the rest (the service is
  tried even for a row with unreadable cells, and that try is rolled back);
- `all_or_nothing` writes nothing unless every row is valid; `valid_rows`
  writes the good rows and reports the bad ones. One audit row sums an import up;
- a kind with many rows and no side effects (the EV readings, trouble codes and
  software versions) may set `batch_size`: its actions then only check the row
  through the service's rules and hand the checked record to `keep`, without a
  savepoint each. `keep` looks the record's natural key up among the stored
  records (`stored`, read once in `prepare`) and the ones queued by earlier rows:
  a new one is queued (`defer`), a queued one takes the later row's values, an
  unchanged one is left alone, and only a stored one that changes goes through
  the service's update, in its own savepoint. `write_batch` writes each chunk of
  queued records in one bulk statement.

docs/ARCHITECTURE.md ("Lists and exports") says why this is not django-import-export.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import audit_record
from .models import AuditEntry
from .spreadsheets import ColumnMap, SheetRow, match_headers, require_columns

ALL_OR_NOTHING = "all_or_nothing"
VALID_ROWS = "valid_rows"
MODES = (ALL_OR_NOTHING, VALID_ROWS)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
ROW = "__all__"  # the field of a problem with the whole row
WRITTEN = object()  # a batched record written by an earlier chunk (Importer.keep)


@dataclass(frozen=True)
class RowError:
    """One problem in one row. `row` is the row number Excel shows (the header is row 1)."""

    row: int
    field: str  # the column as the file names it, or "" for the whole row
    message: str


@dataclass
class ImportResult:
    """What an import does (or, for a preview, would do) with a file."""

    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rolled_back: bool = False

    @property
    def invalid(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def valid(self) -> int:
        return self.total - self.invalid

    @property
    def written(self) -> int:
        return self.created + self.updated


# A row's action: the service call that imports it, returning CREATED, UPDATED or UNCHANGED.
Action = Callable[[], str]


class Importer:
    """One kind of row an app imports. Subclasses set the class attributes and `row`."""

    kind: str = ""
    label = ""
    model = None  # for the verbose names of fields a service complains about
    columns: dict[str, list[str]] = {}  # {field: accepted headers, the first the one we write}
    required: tuple[str, ...] = ()
    example: dict[str, str] = {}  # one example row for the template
    conflict_message = gettext_lazy("Conflicts with a record saved meanwhile. Check it and import again.")
    # The batch hook: rows per bulk write, for a kind whose actions only check and `defer` (None: one
    # savepoint per row). Such an action must not write, or must write inside its own savepoint.
    batch_size: int | None = None

    def __init__(self, *, actor, column_map: ColumnMap):
        self.actor = actor
        self.column_map = column_map
        # True while a row with problems is tried only to learn what the service says.
        self.trial = False
        self._deferred: list = []
        # A batched kind's records by natural key: stored (read by `prepare`), queued (no pk yet), or
        # WRITTEN once their chunk is written (the service reads them again if a later row changes them).
        self.stored: dict = {}
        # (field, key) -> the first row that had it, to catch duplicates inside the file.
        self.seen: dict[tuple[str, str], int] = {}

    # what a subclass provides

    @classmethod
    def check_columns(cls, column_map: ColumnMap) -> None:
        """Raise SpreadsheetError for columns the kind cannot do without beyond `required`."""

    def prepare(self, rows: list[tuple[int, dict]]) -> None:
        """Fetch what every row needs at once (owners, existing entries), before the rows run."""

    def row(self, number: int, values: dict) -> tuple[dict, Action | None]:
        """({field: message or messages} for the cells that cannot be read, the
        service call that imports the row). The call is tried even when there
        are problems, to report the service's as well, and is then rolled back;
        None when it cannot be tried at all."""
        raise NotImplementedError

    # a batched kind (`batch_size`) also provides

    def key(self, record) -> tuple:
        """The record's natural key (what the service finds a stored record by)."""
        raise NotImplementedError

    def changes(self, found, record) -> bool:
        """Whether the row's `record` would change the stored or queued `found`."""
        raise NotImplementedError

    def merge(self, found, record) -> None:
        """Give the queued `found` the values of a later row's `record` (in memory)."""
        raise NotImplementedError

    def update(self, found, record) -> str:
        """Update a stored record through the service; `found` is None when an earlier chunk wrote
        it (the service reads it again). Runs in its own savepoint."""
        raise NotImplementedError

    def write(self, records: list) -> None:
        """Write a chunk of new records, e.g. one bulk_create with ignore_conflicts on the natural key."""
        raise NotImplementedError

    def audit_changes(self) -> dict:
        """Extra [None, value] pairs for the import's audit row."""
        return {}

    # helpers for subclasses

    def claim(self, number: int, name: str, key: str | None, message) -> dict:
        """Remember a unique key of this row; an error if an earlier row of the file had it."""
        if not key:
            return {}
        first = self.seen.setdefault((name, key), number)
        return {name: message % {"row": first}} if first != number else {}

    def defer(self, record) -> None:
        """Queue a new record for the chunk's bulk write; a row only on trial queues nothing."""
        if not self.trial:
            self._deferred.append(record)

    def keep(self, record) -> str:
        """A batched kind's row, its record checked by the service's rules: queue it if new, or
        change the queued or stored record of its key. A row on trial changes nothing."""
        if self.trial:
            return UNCHANGED
        key = self.key(record)
        found = self.stored.get(key)
        if found is None:
            self.defer(record)
            self.stored[key] = record
            return CREATED
        if found is not WRITTEN and not self.changes(found, record):
            return UNCHANGED
        if found is not WRITTEN and found.pk is None:  # queued by an earlier row of this chunk
            self.merge(found, record)
            return UPDATED
        try:
            with transaction.atomic():
                return self.update(None if found is WRITTEN else found, record)
        except Exception:
            self.stored[key] = WRITTEN  # the service may have changed `found` before it failed
            raise

    def write_batch(self, records: list) -> None:
        """Write the records the chunk's actions queued; a later row reads them again."""
        self.write(records)
        for record in records:
            self.stored[self.key(record)] = WRITTEN

    # the pipeline

    def column(self, name: str) -> str:
        """How the file names a field, for error messages ('' for the whole row)."""
        if name in self.column_map.columns:
            return self.column_map.headers[self.column_map.columns[name]]
        try:
            return str(self.model._meta.get_field(name).verbose_name) if self.model and name != ROW else ""
        except FieldDoesNotExist:
            return ""

    def _position(self, name: str) -> int:
        return self.column_map.columns.get(name, len(self.column_map.headers))

    def run(self, rows: Sequence[SheetRow]) -> ImportResult:
        """Every row through its action, one savepoint per row; the caller owns the transaction."""
        result = ImportResult(kind=self.kind, total=len(rows), ignored_columns=list(self.column_map.unknown))
        numbered = [(row.number, self.column_map.values(row.values)) for row in rows]
        self.prepare(numbered)
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
        for index, (number, values) in enumerate(numbered, 1):
            if self.batch_size and index % self.batch_size == 0:
                self._flush()
            errors, action = self.row(number, values)
            problems = _as_lists(errors)
            outcome = self._try(action, problems) if action is not None else None
            if problems:
                for name in sorted(problems, key=self._position):
                    result.errors.extend(RowError(number, self.column(name), str(m)) for m in problems[name])
            elif outcome is not None:
                counts[outcome] += 1
        self._flush()
        result.created, result.updated, result.unchanged = counts[CREATED], counts[UPDATED], counts[UNCHANGED]
        return result

    def _flush(self) -> None:
        if self._deferred:
            records, self._deferred = self._deferred, []
            self.write_batch(records)

    def _try(self, action: Action, problems: dict[str, list]) -> str | None:
        """Run the action in a savepoint; add what the service refuses to `problems`
        (for columns without a problem yet). Kept only when the row has no problem.
        A batched kind's action writes nothing (it defers), so it needs no savepoint."""
        self.trial = bool(problems)
        try:
            if self.batch_size:
                outcome = action()
                if problems:
                    return None
            else:
                with transaction.atomic():
                    outcome = action()
                    if problems:
                        raise _TrialOnly
        except _TrialOnly:
            return None
        except ValidationError as error:
            refused = error.message_dict if hasattr(error, "error_dict") else {ROW: error.messages}
            for name, messages in refused.items():
                if name not in problems:
                    problems[name] = list(messages)
            return None
        except IntegrityError:
            # Another user saved the same key while this file was being imported.
            problems.setdefault(ROW, []).append(self.conflict_message)
            return None
        return outcome


class _TrialOnly(Exception):
    """Rolls back the savepoint of a row tried only to learn what the service says."""


def _as_lists(errors: dict) -> dict[str, list]:
    return {name: [messages] if isinstance(messages, str) else list(messages) for name, messages in errors.items()}


# --- reading a file into an importer, previewing and importing ------------------------------------


def column_map_for(importer_class: type[Importer], headers: Sequence[str]) -> ColumnMap:
    """Match the headers to the kind's columns; SpreadsheetError for a file with the wrong columns."""
    column_map = match_headers(headers, importer_class.columns, importer_class.required)
    require_columns(column_map)
    importer_class.check_columns(column_map)
    return column_map


def template_rows(importer_class: type[Importer]) -> tuple[list[str], list[list[str]]]:
    """The canonical headers and one example row, for the downloadable template."""
    columns = importer_class.columns
    return [aliases[0] for aliases in columns.values()], [[importer_class.example.get(n, "") for n in columns]]


def preview(make_importer: Callable[[Sequence[str]], Importer], headers: Sequence[str], rows) -> ImportResult:
    """Check every row as the import would, and write nothing: the import, rolled back.

    `make_importer` builds the app's importer for the file's columns. The
    services run row by row (so a duplicate of an earlier row of the same file
    is caught like a duplicate of a stored record) and the transaction is then
    discarded; the price is holding the database's write lock for the preview,
    like the import itself. Raises SpreadsheetError for a file with the wrong columns."""
    with transaction.atomic():
        result = make_importer(headers).run(rows)
        transaction.set_rollback(True)
    return result


def run(
    make_importer: Callable[[Sequence[str]], Importer],
    headers: Sequence[str],
    rows,
    *,
    mode: str,
    filename: str,
    audit_store,
) -> ImportResult:
    """Import the rows. `all_or_nothing`: one bad row and nothing is written
    (the result says why); `valid_rows`: the good rows are written, the bad
    ones reported. One audit row (filed under `audit_store`) sums the import
    up; every created or changed record also has its own, written by its service."""
    if mode not in MODES:
        raise ValueError(mode)
    with transaction.atomic():
        importer = make_importer(headers)
        result = importer.run(rows)
        if result.errors and mode == ALL_OR_NOTHING:
            transaction.set_rollback(True)
            result.created = result.updated = result.unchanged = 0
            result.rolled_back = True
            return result
        audit_record(
            actor=importer.actor,
            action=AuditEntry.Action.CREATE,
            store=audit_store,
            object_repr=(_("Import of %(kind)s from %(file)s") % {"kind": importer.label, "file": filename})[:200],
            reason=_("Spreadsheet import"),
            changes={
                "import_file": [None, filename],
                "import_kind": [None, importer.kind],
                **importer.audit_changes(),
                "import_mode": [None, mode],
                "rows_in_file": [None, result.total],
                "rows_created": [None, result.created],
                "rows_updated": [None, result.updated],
                "rows_unchanged": [None, result.unchanged],
                "rows_refused": [None, result.invalid],
            },
        )
    return result
