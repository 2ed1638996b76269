"""Importing catalogue entries from a spreadsheet: the labour operations, parts,
other charges, labour rates, inspection items and survey questions a dealer
keeps in Excel (or exports from the carmaker's DMS).

A file goes into one level: the current store, or the group defaults. A row
whose code is already at that level updates the entry, a new code creates
one; both through `services.catalog_item_update` / `catalog_item_create`, so
permission checks, the model's validation and the audit trail (with
before/after) are those of an entry typed in by hand. Into a store, a row equal
to the group default it would override is left alone: the store keeps
following the group instead of freezing a copy (an exported list re-imported
unchanged changes nothing).

Each kind is a `CatalogImporter` of the one import pipeline (core/imports.py):
the preview *is* the import, rolled back, and a row reports every problem it has.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core import imports as pipeline
from aftercare.core.imports import (
    ALL_OR_NOTHING,
    CREATED,
    MODES,
    UNCHANGED,
    UPDATED,
    VALID_ROWS,
    Importer,
    ImportResult,
    RowError,
    column_map_for,
)
from aftercare.core.models import DealerGroup, Store
from aftercare.core.money import to_money
from aftercare.core.spreadsheets import (
    CellError,
    ChoiceReader,
    ColumnMap,
    SheetRow,
    cell_text,
    parse_decimal,
    parse_yes_no,
)

from . import services
from .choices import AnswerType, InspectionArea, Powertrain, SurveyDimension
from .kinds import KINDS_BY_SLUG
from .models import (
    CatalogItem,
    InspectionItem,
    LabourOperation,
    LabourRate,
    OperationCategory,
    OtherCharge,
    Part,
    RepairType,
    SurveyQuestion,
)

STORE = "store"
GROUP = "group"
SCOPES = (STORE, GROUP)

# The column names are the file format, shared with the exports and the
# templates: the first name of each list is the one we write, the others are
# what dealers' files commonly say. Case, spaces, '*' and brackets are ignored.
ACTIVE = ["在用", "启用", "是否启用", "active"]
POWERTRAINS = ["适用动力", "动力类型", "适用动力类型", "powertrains", "powertrain"]
SORT_ORDER = ["顺序", "排序", "显示顺序", "order", "sort order"]


@dataclass(frozen=True)
class ImportKind:
    """One kind of catalogue entry that can be imported and exported."""

    model: type[CatalogItem]
    columns: dict[str, list[str]]
    required: tuple[str, ...]
    example: dict[str, str]

    @property
    def slug(self) -> str:
        return self.model.url_kind

    @property
    def label(self):
        return KINDS_BY_SLUG[self.slug].label

    @property
    def key_field(self) -> str:
        return self.model.key_field

    @property
    def editable_fields(self) -> list[str]:
        """What a row may set: the fields of the kind's form."""
        return list(KINDS_BY_SLUG[self.slug].form._meta.fields)

    def headers(self) -> list[str]:
        return [aliases[0] for aliases in self.columns.values()]

    def check_columns(self, column_map: ColumnMap) -> None:
        """The required columns are all a catalogue file needs."""


IMPORT_KINDS = [
    ImportKind(
        LabourOperation,
        {
            "code": ["项目代码", "代码", "编码", "项目编码", "维修项目代码", "工时代码", "code", "operation code"],
            "name": ["项目名称", "名称", "维修项目", "维修项目名称", "name", "operation name"],
            "category": ["类别代码", "类别", "操作类别", "项目类别", "category", "category code"],
            "frt_hours": ["工时", "FRT工时", "标准工时", "工时定额", "FRT", "FRT hours", "hours"],
            "powertrains": POWERTRAINS,
            "high_voltage": ["高压作业", "高压", "high voltage", "high-voltage work"],
            "is_active": ACTIVE,
        },
        ("code", "name", "frt_hours"),
        {
            "code": "M101", "name": "更换机油机滤", "category": "maintenance", "frt_hours": "0.50",
            "powertrains": "燃油、混动", "high_voltage": "否", "is_active": "是",
        },
    ),
    ImportKind(
        Part,
        {
            "part_no": [
                "零件号", "配件号", "零件编号", "配件编号", "零件编码", "配件编码", "零件代码", "代码", "编码",
                "part no", "part no.", "part number",
            ],
            "name": ["零件名称", "配件名称", "名称", "name", "part name"],
            "brand": ["品牌", "brand"],
            "is_oem": ["原厂件", "原厂", "是否原厂", "OEM", "OEM part"],
            "unit_price": ["单价", "销售单价", "销售价", "价格", "unit price", "price"],
            "is_active": ACTIVE,
        },
        ("part_no", "name", "unit_price"),
        {
            "part_no": "17220-5R0-008", "name": "空气滤清器", "brand": "本田", "is_oem": "是", "unit_price": "118.00",
            "is_active": "是",
        },
    ),
    ImportKind(
        OtherCharge,
        {
            "code": ["费用代码", "代码", "编码", "code"],
            "name": ["费用名称", "名称", "name"],
            "default_amount": ["金额", "默认金额", "单价", "amount", "default amount"],
            "is_active": ACTIVE,
        },
        ("code", "name"),
        {"code": "WASH", "name": "洗车", "default_amount": "30.00", "is_active": "是"},
    ),
    ImportKind(
        LabourRate,
        {
            "repair_type": ["修理种类代码", "修理种类", "修理类型", "repair type", "repair type code"],
            "hourly_rate": ["工时单价", "单价", "每小时单价", "hourly rate", "rate"],
            "is_active": ACTIVE,
        },
        ("repair_type", "hourly_rate"),
        {"repair_type": "general", "hourly_rate": "420.00", "is_active": "是"},
    ),
    ImportKind(
        InspectionItem,
        {
            "code": ["项目代码", "代码", "编码", "code"],
            "name": ["检查项目", "项目名称", "名称", "name"],
            "area": ["区域", "检查区域", "部位", "area"],
            "sort_order": SORT_ORDER,
            "powertrains": POWERTRAINS,
            "is_active": ACTIVE,
        },
        ("code", "name"),
        {
            "code": "X101", "name": "前大灯", "area": "外观", "sort_order": "10", "powertrains": "",
            "is_active": "是",
        },
    ),
    ImportKind(
        SurveyQuestion,
        {
            "code": ["问题代码", "代码", "编码", "code"],
            "text": ["问题", "问题内容", "题目", "question", "text"],
            "dimension": ["维度", "调查维度", "dimension"],
            "answer_type": ["答案类型", "回答方式", "answer type"],
            "sort_order": SORT_ORDER,
            "is_active": ACTIVE,
        },
        ("code", "text", "dimension"),
        {
            "code": "Q101", "text": "您对本次维修质量满意吗？", "dimension": "维修质量", "answer_type": "评分 1-5",
            "sort_order": "10", "is_active": "是",
        },
    ),
]  # fmt: skip
IMPORT_KINDS_BY_SLUG = {kind.slug: kind for kind in IMPORT_KINDS}

# How each field's cells are read (anything not named here is text).
MONEY_FIELDS = {"unit_price", "hourly_rate", "default_amount"}
HOURS_FIELDS = {"frt_hours"}
BOOL_FIELDS = {"high_voltage", "is_oem", "is_active"}
ORDER_FIELDS = {"sort_order"}
CHOICES: dict[str, type[TextChoices]] = {
    "powertrains": Powertrain,
    "area": InspectionArea,
    "dimension": SurveyDimension,
    "answer_type": AnswerType,
}
LIST_FIELDS = {"powertrains"}
RELATIONS: dict[str, type[CatalogItem]] = {"category": OperationCategory, "repair_type": RepairType}
# What an empty cell means for a field that may be empty. Any other empty
# cell means "not given": the entry keeps its value (a new one takes the default).
EMPTY_MEANS = {"brand": "", "powertrains": [], "category": None}

# Words dealers' files use for choices, beyond our values and labels (which
# are accepted in every language, so an export imports back).
CHOICE_SYNONYMS = {
    "powertrains": {
        Powertrain.ICE: ["燃油", "汽油", "柴油", "petrol", "diesel"],
        Powertrain.HEV: ["混动", "油电混动", "油电混合", "hybrid"],
        Powertrain.PHEV: ["插混", "插电混动", "插电式混合动力", "增程", "plug-in hybrid"],
        Powertrain.BEV: ["纯电", "纯电动", "电动", "ev", "electric"],
    },
    "area": {
        InspectionArea.EXTERIOR: ["外观", "车身", "车身外观"],
        InspectionArea.INTERIOR: ["内饰", "车内"],
        InspectionArea.ENGINE_BAY: ["发动机舱", "机舱"],
        InspectionArea.TYRES_BRAKES: ["轮胎制动", "轮胎", "制动"],
        InspectionArea.CHASSIS: ["底盘"],
        InspectionArea.ELECTRICAL: ["电气", "电器"],
        InspectionArea.HIGH_VOLTAGE: ["高压", "高压系统"],
    },
    "answer_type": {
        AnswerType.SCORE: ["评分", "打分", "分数", "score"],
        AnswerType.YES_NO: ["是否", "是/否", "yes/no"],
        AnswerType.TEXT: ["文字", "文本", "text"],
    },
}
# A list of choices in one cell: "燃油、混动", "ICE, HEV". "/" is not a separator
# (labels such as "Petrol / diesel" contain it), but is tried when a part is unknown.
_LIST_SEPARATORS = re.compile(r"[,，、;；|\n]")
_KEY_CHUNK = 500


def import_kind(slug: str) -> ImportKind:
    try:
        return IMPORT_KINDS_BY_SLUG[slug]
    except KeyError:
        raise ValueError(slug) from None


# --- where a file goes, and who may put it there ------------------------------------------------


def scope_target(store: Store, scope: str) -> tuple[Store | None, DealerGroup]:
    """(store, group) for the services: the store's own rows, or its group's defaults."""
    if scope not in SCOPES:
        raise ValueError(scope)
    return (store, store.group) if scope == STORE else (None, store.group)


def allowed_scopes(user, store: Store | None) -> list[str]:
    """The levels `user` may import into from `store`, by the rules of catalog/services.py."""
    if store is None:
        return []
    allowed = []
    if store.pk in services.manageable_store_ids(user):
        allowed.append(STORE)
    if store.group_id in services.manageable_groups(user):
        allowed.append(GROUP)
    return allowed


def scope_label(store: Store, scope: str) -> str:
    if scope == GROUP:
        return _("%(group)s: group default for every store") % {"group": store.group}
    return str(store)


# --- reading cells -------------------------------------------------------------------------------


def _parse_choice_list(reader: ChoiceReader, text: str) -> list[str]:
    found = set()
    for part in filter(None, (part.strip() for part in _LIST_SEPARATORS.split(text))):
        value = reader.find(part)
        if value is not None:
            found.add(value)
            continue
        for piece in filter(None, (piece.strip() for piece in part.split("/"))):
            found.add(reader(piece))
    # In the order of the choices, so that the same set always compares and stores alike.
    return [value for value in reader.choices.values if value in found]


def _parse_non_negative(raw, message: str) -> Decimal:
    try:
        number = parse_decimal(raw)
    except CellError:
        number = None
    if number is None:
        raise CellError(message)
    if number < 0:
        raise CellError(_("Enter a number of 0 or more."))
    return number


def _parse_order(raw) -> int:
    try:
        number = parse_decimal(raw)
    except CellError:
        number = None
    if number is None or number != number.to_integral_value() or not 0 <= number <= 999:
        raise CellError(_("Enter a whole number from 0 to 999."))
    return int(number)


def _parse_bool(raw) -> bool:
    value = parse_yes_no(raw)
    if value is None:  # not reached: empty cells are handled before
        raise CellError(_("Enter 是 or 否 (yes or no)."))
    return value


# --- applying rows ------------------------------------------------------------------------------


def _differs(item: models.Model, name: str, value) -> bool:
    if name in RELATIONS:
        return getattr(item, f"{name}_id") != (value.pk if value is not None else None)
    current = getattr(item, name)
    if name in LIST_FIELDS:
        return set(current or []) != set(value)
    return current != value


def _copied(value):
    return list(value) if isinstance(value, list) else value


class CatalogImporter(Importer):
    """One kind's rows through the catalogue services, at the import's level."""

    conflict_message = gettext_lazy("Conflicts with an entry saved meanwhile. Check it and import again.")

    def __init__(self, *, actor, kind: ImportKind, store: Store | None, group: DealerGroup, scope: str, column_map):
        super().__init__(actor=actor, column_map=column_map)
        self.import_kind, self.store, self.group, self.scope = kind, store, group, scope
        self.kind, self.label, self.model = kind.slug, kind.label, kind.model
        self.columns, self.required = kind.columns, kind.required
        self.fields = kind.editable_fields
        self.lookups = {
            name: ChoiceReader(CHOICES[name], CHOICE_SYNONYMS.get(name))
            for name in CHOICES
            if name in column_map.columns
        }
        self.relations = {name: self._relation_targets(name) for name in RELATIONS if name in column_map.columns}
        self.existing: dict[str, CatalogItem] = {}
        self.defaults: dict[str, CatalogItem] = {}

    def audit_changes(self) -> dict:
        return {"import_scope": [None, self.scope]}

    def _relation_targets(self, name: str) -> dict[str, CatalogItem]:
        """{code: entry} that a row at the import's level may point at."""
        queryset = RELATIONS[name].objects.all()
        if self.store is not None:
            queryset = queryset.effective_for_store(self.store)
        else:
            queryset = queryset.group_defaults(self.group)
        return {item.code: item for item in queryset}

    def _at_level(self, queryset, keys: list[str]) -> dict[str, CatalogItem]:
        """{key: entry} of `queryset` for the keys of the file, a few hundred per query."""
        if self.model.key_lookup != self.model.key_field:
            queryset = queryset.select_related(self.model.key_lookup.split("__")[0])
        found = {}
        for start in range(0, len(keys), _KEY_CHUNK):
            chunk = keys[start : start + _KEY_CHUNK]
            for item in queryset.filter(**{f"{self.model.key_lookup}__in": chunk}):
                found[item.key] = item
        return found

    def parse(self, values: dict) -> tuple[dict, dict[str, str]]:
        """({field: value} of the cells given, {field: error message})."""
        data, errors = {}, {}
        for name, raw in values.items():
            text = cell_text(raw)
            if text == "":
                if name in self.required:
                    errors[name] = _("This column is required.")
                elif name in EMPTY_MEANS:
                    data[name] = list(EMPTY_MEANS[name]) if name in LIST_FIELDS else EMPTY_MEANS[name]
                continue
            try:
                data[name] = self.parse_cell(name, raw, text)
            except CellError as error:
                errors[name] = str(error)
        return data, errors

    def parse_cell(self, name: str, raw, text: str):
        if name in MONEY_FIELDS:
            return to_money(_parse_non_negative(raw, _("Enter an amount such as 368.00.")))
        if name in HOURS_FIELDS:
            return _parse_non_negative(raw, _("Enter the hours as a number such as 1.5."))
        if name in BOOL_FIELDS:
            return _parse_bool(raw)
        if name in ORDER_FIELDS:
            return _parse_order(raw)
        if name in LIST_FIELDS:
            return _parse_choice_list(self.lookups[name], text)
        if name in CHOICES:
            return self.lookups[name](text)
        if name in RELATIONS:
            target = self.relations[name].get(text)
            if target is None:
                label = RELATIONS[name]._meta.verbose_name
                raise CellError(
                    _("Unknown %(what)s code “%(code)s”. Use a code from the catalogue, or create it first.")
                    % {"what": label, "code": text}
                )
            return target
        return text

    def key_of(self, values: dict) -> str:
        return cell_text(values.get(self.import_kind.key_field))

    def prepare(self, rows: list[tuple[int, dict]]) -> None:
        keys = sorted({key for _number, values in rows if (key := self.key_of(values))})
        own_level = self.model.objects.filter(group=self.group, store=self.store)
        self.existing = self._at_level(own_level, keys)
        if self.store:
            self.defaults = self._at_level(self.model.objects.group_defaults(self.group), keys)

    def row(self, number: int, values: dict):
        data, errors = self.parse(values)
        key = self.key_of(values)
        key_field = self.import_kind.key_field
        errors.update(self.claim(number, key_field, key, _("Row %(row)s has the same code.")))
        return errors, partial(self.apply, data, self.existing.get(key), self.defaults.get(key))

    def apply(self, data: dict, existing: CatalogItem | None, default: CatalogItem | None) -> str:
        if existing is not None:
            changes = {name: value for name, value in data.items() if _differs(existing, name, value)}
            if not changes:
                return UNCHANGED
            services.catalog_item_update(actor=self.actor, instance=existing, data=changes)
            return UPDATED
        values = {}
        if default is not None:
            if not any(_differs(default, name, value) for name, value in data.items()):
                return UNCHANGED  # the store keeps following the group default
            # A store's own row starts as a copy of the group default it overrides.
            values = {name: _copied(getattr(default, name)) for name in self.fields}
        values.update(data)
        services.catalog_item_create(
            actor=self.actor, model=self.model, data=values, store=self.store, group=self.group
        )
        return CREATED


def importer_factory(*, actor, store: Store, scope: str, kind: str):
    """What builds the importer of `kind` at the level `scope` for a file's headers;
    PermissionDenied for a level the actor may not change."""
    if scope not in allowed_scopes(actor, store):
        raise PermissionDenied
    spec = import_kind(kind)
    target_store, group = scope_target(store, scope)

    def make(headers: Sequence[str]) -> CatalogImporter:
        return CatalogImporter(
            actor=actor, kind=spec, store=target_store, group=group, scope=scope,
            column_map=column_map_for(spec, headers),
        )  # fmt: skip

    return make


def audit_store(actor, store: Store, scope: str):
    """A group import is filed under the store through which the actor manages the group."""
    return store.pk if scope == STORE else services.manageable_groups(actor).get(store.group_id)


def preview_import(
    *, actor, store: Store, scope: str, kind: str, headers: Sequence[str], rows: Sequence[SheetRow]
) -> ImportResult:
    """Check every row as the import would, and write nothing (core.imports.preview)."""
    return pipeline.preview(importer_factory(actor=actor, store=store, scope=scope, kind=kind), headers, rows)


def run_import(
    *,
    actor,
    store: Store,
    scope: str,
    kind: str,
    headers: Sequence[str],
    rows: Sequence[SheetRow],
    mode: str,
    filename: str = "",
) -> ImportResult:
    """Import the rows into `store` (scope "store") or its group's defaults
    (scope "group"), all or nothing or only the valid rows (core.imports.run).
    Every created or changed entry also has its own audit row, with before/after."""
    make = importer_factory(actor=actor, store=store, scope=scope, kind=kind)
    return pipeline.run(make, headers, rows, mode=mode, filename=filename, audit_store=audit_store(actor, store, scope))


__all__ = [
    "ALL_OR_NOTHING", "IMPORT_KINDS", "MODES", "VALID_ROWS", "CatalogImporter", "ImportResult", "RowError",
    "import_kind", "importer_factory", "preview_import", "run_import",
]  # fmt: skip
