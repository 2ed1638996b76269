"""Importing customers and vehicles from a spreadsheet (the store's old DMS list,
an Excel sheet kept by the sales team).

Every row goes through the same services as a record typed in by hand
(`services.customer_create` / `vehicle_create`), so normalising, duplicate
checks, search keys and the audit trail are the same. Each kind is an
`Importer` of the one import pipeline (core/imports.py): the preview runs
exactly that import and rolls it back, and a row reports every problem it has.
"""

import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core import imports as pipeline
from aftercare.core.imports import (
    ALL_OR_NOTHING,
    CREATED,
    MODES,
    UNCHANGED,
    VALID_ROWS,
    Importer,
    ImportResult,
    RowError,
    column_map_for,
)
from aftercare.core.maintenance import database_analyze
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.core.spreadsheets import (
    CellError,
    ChoiceReader,
    ColumnMap,
    cell_text,
    missing_columns_error,
    parse_yes_no,
)

from . import services
from .choices import ContactChannel, CustomerKind, CustomerSource, Gender, PlateKind, Powertrain
from .models import Customer, Vehicle
from .normalize import normalize_mobile, normalize_plate, normalize_vin

CUSTOMERS = "customers"
VEHICLES = "vehicles"
KINDS = {CUSTOMERS: gettext_lazy("Customers"), VEHICLES: gettext_lazy("Vehicles")}

# The column names are the file format, shared with the exports and the
# templates: the first name of each list is the one we write, the others are
# what dealers' files commonly say. Case, spaces, '*' and brackets are ignored.
CUSTOMER_COLUMNS: dict[str, list[str]] = {
    "number": ["客户编号", "客户号", "编号", "customer number", "number"],
    "name": ["姓名", "客户姓名", "客户名称", "名称", "name", "customer name"],
    "kind": ["客户类型", "类型", "type", "kind"],
    "contact_person": ["联系人", "contact person"],
    "mobile": ["手机", "手机号", "手机号码", "移动电话", "mobile", "mobile phone"],
    "gender": ["性别", "gender"],
    "birthday": ["生日", "出生日期", "birthday", "date of birth"],
    "region": ["地区", "区域", "region"],
    "address": ["地址", "联系地址", "address"],
    "preferred_channel": ["首选联系方式", "联系方式", "preferred channel"],
    "source": ["来源", "客户来源", "source"],
    "wechat_id": ["微信号", "微信", "wechat", "wechat id"],
    "email": ["邮箱", "电子邮箱", "email", "e-mail"],
    "tags": ["标签", "tags"],
    # 是 when a family shares one mobile: the duplicate-mobile check then lets the row through.
    "shared_mobile": ["共用手机", "shared mobile"],
}
CUSTOMER_REQUIRED = ("name", "mobile")

VEHICLE_COLUMNS: dict[str, list[str]] = {
    "owner_number": ["车主客户编号", "客户编号", "车主编号", "owner number", "customer number"],
    "owner_mobile": ["车主手机", "车主手机号", "手机", "手机号", "owner mobile", "mobile"],
    "plate": ["车牌", "车牌号", "车牌号码", "plate", "plate number"],
    "plate_kind": ["车牌类型", "号牌类型", "plate type"],
    "vin": ["VIN", "车架号", "VIN码", "车辆识别代号", "vin code"],
    "vin_check_digit_waived": ["进口车", "是否进口", "imported"],
    "brand": ["品牌", "brand"],
    "model": ["车型", "车系", "model"],
    "trim": ["配置", "款型", "trim"],
    "powertrain": ["动力类型", "能源类型", "燃料类型", "powertrain"],
    "engine_no": ["发动机号", "engine number"],
    "color": ["颜色", "车身颜色", "colour", "color"],
    "purchase_date": ["购车日期", "购买日期", "purchase date"],
    "odometer_km": ["里程", "行驶里程", "里程数", "odometer", "odometer km", "km"],
    "insurance_expiry": ["保险到期", "保险到期日", "insurance expiry"],
    "inspection_due": ["年检到期", "年审到期", "inspection due", "annual inspection due"],
    "warranty_start": ["质保开始", "保修开始", "warranty start"],
    "warranty_end": ["质保结束", "质保到期", "保修到期", "warranty end"],
}
VEHICLE_REQUIRED = ("vin", "brand", "model")


# One example row per template, in the canonical columns.
EXAMPLES = {
    CUSTOMERS: {
        "name": "张伟", "kind": "个人", "mobile": "13812345678", "gender": "男", "birthday": "1985-06-18",
        "region": "广州市天河区", "address": "天河路385号", "preferred_channel": "微信", "source": "到店",
        "wechat_id": "zhangwei85", "email": "", "tags": "老客户, 商务", "number": "", "contact_person": "",
        "shared_mobile": "否",
    },
    VEHICLES: {
        "owner_mobile": "13812345678", "owner_number": "", "plate": "粤A12345", "plate_kind": "普通",
        "vin": "LHGCV1659RA012345", "vin_check_digit_waived": "否", "brand": "广汽本田", "model": "雅阁",
        "trim": "2024款 260TURBO 豪华版", "powertrain": "燃油", "engine_no": "", "color": "白色",
        "purchase_date": "2024-03-01", "odometer_km": "12000", "insurance_expiry": "2026-02-28",
        "inspection_due": "2030-03-01", "warranty_start": "2024-03-01", "warranty_end": "2027-02-28",
    },
}  # fmt: skip

# Words dealers' files use for choices, beyond our own labels (which are
# accepted in every language, so an export imports back).
CHOICE_SYNONYMS = {
    "kind": {
        CustomerKind.PERSON: ["个人", "个人客户", "私人", "individual"],
        CustomerKind.COMPANY: ["公司", "企业", "单位", "集团客户", "company", "business"],
    },
    "gender": {Gender.MALE: ["男", "m", "male"], Gender.FEMALE: ["女", "f", "female"]},
    "preferred_channel": {
        ContactChannel.PHONE: ["电话", "手机", "phone"],
        ContactChannel.SMS: ["短信", "sms"],
        ContactChannel.WECHAT: ["微信", "wechat"],
        ContactChannel.EMAIL: ["邮件", "邮箱", "email"],
    },
    "source": {
        CustomerSource.WALK_IN: ["到店", "自然到店", "进店", "walk-in"],
        CustomerSource.SALES: ["销售", "新车销售", "sales"],
        CustomerSource.REFERRAL: ["转介绍", "介绍", "老带新", "referral"],
        CustomerSource.ONLINE: ["网络", "线上", "online"],
        CustomerSource.INSURER: ["保险", "保险公司", "insurer"],
        CustomerSource.IMPORT: ["导入", "import"],
    },
    "plate_kind": {
        PlateKind.STANDARD: ["普通", "蓝牌", "绿牌", "黄牌", "新能源", "大陆", "standard"],
        PlateKind.FOREIGN: ["外籍", "境外", "港澳", "foreign"],
        PlateKind.TEMPORARY: ["临时", "临牌", "temporary"],
    },
    "powertrain": {
        Powertrain.ICE: ["燃油", "汽油", "柴油", "ice", "petrol", "diesel"],
        Powertrain.HEV: ["混动", "油电混动", "油电混合", "hev", "hybrid"],
        Powertrain.PHEV: ["插混", "插电混动", "插电式混合动力", "增程", "phev", "plug-in hybrid"],
        Powertrain.BEV: ["纯电", "纯电动", "电动", "bev", "ev", "electric"],
    },
}
CHOICES = {
    "kind": CustomerKind, "gender": Gender, "preferred_channel": ContactChannel, "source": CustomerSource,
    "plate_kind": PlateKind, "powertrain": Powertrain,
}  # fmt: skip
# Besides yes and no, how dealers' lists say whether a car is imported.
_IMPORTED = {"进口", "进口车"}
_NOT_IMPORTED = {"国产", "合资"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_TAG_SEPARATORS = re.compile(r"[,，、;；|/]")
_KM_NOISE = re.compile(r"[\s,，]|km|公里|千米", re.IGNORECASE)
# Numbers of this form are handed out by AfterCare's own sequence (C000123);
# taking one over from a file would collide with a number handed out later.
_OWN_NUMBER = re.compile(r"^C\d{6,}$")


# --- parsing cells -----------------------------------------------------------------------


def _parse_date(raw) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = cell_text(raw).split(" ")[0].split("T")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_("Enter a date such as 2024-03-01."))


def _parse_bool(raw) -> bool:
    """Yes or no; an empty cell is no."""
    return bool(parse_yes_no(raw, yes=_IMPORTED, no=_NOT_IMPORTED))


def _parse_km(raw) -> int:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        km = raw
    else:
        try:
            km = float(_KM_NOISE.sub("", cell_text(raw)))
        except ValueError:
            raise CellError(_("Enter the odometer as a whole number of km.")) from None
    if km != int(km) or not 0 <= km <= 3_000_000:
        raise CellError(_("Enter the odometer as a whole number of km, between 0 and 3,000,000."))
    return int(km)


def _parse_tags(raw) -> list[str]:
    return sorted({tag.strip() for tag in _TAG_SEPARATORS.split(cell_text(raw)) if tag.strip()})


_BOOL_FIELDS = {"vin_check_digit_waived", "shared_mobile"}
_DATE_FIELDS = {"birthday", "purchase_date", "insurance_expiry", "inspection_due", "warranty_start", "warranty_end"}


def _parse_row(values: dict, lookups: dict) -> tuple[dict, dict[str, str]]:
    """({field: parsed value} for the non-empty cells, {field: error message})."""
    data, errors = {}, {}
    for name, raw in values.items():
        if cell_text(raw) == "" and name not in _BOOL_FIELDS:
            continue
        try:
            if name in CHOICES:
                data[name] = lookups[name](raw)
            elif name in _DATE_FIELDS:
                data[name] = _parse_date(raw)
            elif name in _BOOL_FIELDS:
                data[name] = _parse_bool(raw)
            elif name == "odometer_km":
                data[name] = _parse_km(raw)
            elif name == "tags":
                data[name] = _parse_tags(raw)
            else:
                data[name] = cell_text(raw)
        except CellError as error:
            errors[name] = str(error)
    return data, errors


def _normalised(normalise, value: str) -> str | None:
    try:
        return normalise(value)
    except ValidationError:
        return None


# --- one row into a service call ----------------------------------------------------------


class CustomerImporter(Importer):
    kind = CUSTOMERS
    label = KINDS[CUSTOMERS]
    model = Customer
    columns = CUSTOMER_COLUMNS
    required = CUSTOMER_REQUIRED
    example = EXAMPLES[CUSTOMERS]

    def __init__(self, *, actor, store: Store, column_map: ColumnMap):
        super().__init__(actor=actor, column_map=column_map)
        self.store = store
        self.lookups = {name: ChoiceReader(CHOICES[name], CHOICE_SYNONYMS.get(name)) for name in CHOICES}

    def row(self, number: int, values: dict):
        data, errors = _parse_row(values, self.lookups)
        data.setdefault("kind", CustomerKind.PERSON)
        data.setdefault("source", CustomerSource.IMPORT)
        customer_number = data.pop("number", "").upper()
        if customer_number:
            if _OWN_NUMBER.match(customer_number):
                errors["number"] = _(
                    "Numbers such as C000123 are given out by AfterCare. Leave the number empty, or keep the "
                    "number from your old system."
                )
            elif len(customer_number) > 20:
                errors["number"] = _("A customer number has at most 20 characters.")
            elif Customer.objects.filter(store=self.store, number=customer_number).exists():
                errors["number"] = _("A customer with this number is already on file.")
            else:
                errors.update(
                    self.claim(number, "number", customer_number, _("Row %(row)s has the same customer number."))
                )
        shared = data.pop("shared_mobile", False)
        mobile = _normalised(normalize_mobile, data.get("mobile", ""))
        if not shared:
            errors.update(self.claim(number, "mobile", mobile, _("Row %(row)s has the same mobile.")))

        def create() -> str:
            customer = services.customer_create(
                actor=self.actor, store=self.store, data=data, allow_shared_mobile=shared
            )
            if customer_number:
                customer.number = customer_number
                customer.save(update_fields=["number", "updated_at"])
            return CREATED

        return errors, create


class VehicleImporter(Importer):
    kind = VEHICLES
    label = KINDS[VEHICLES]
    model = Vehicle
    columns = VEHICLE_COLUMNS
    required = VEHICLE_REQUIRED
    example = EXAMPLES[VEHICLES]

    def __init__(self, *, actor, store: Store, column_map: ColumnMap):
        super().__init__(actor=actor, column_map=column_map)
        self.store = store
        self.lookups = {name: ChoiceReader(CHOICES[name], CHOICE_SYNONYMS.get(name)) for name in CHOICES}
        self.owners: dict[tuple[str, str], list[Customer]] = {}

    @classmethod
    def check_columns(cls, column_map: ColumnMap) -> None:
        if not {"owner_number", "owner_mobile"} & set(column_map.columns):
            columns = cls.columns
            raise missing_columns_error([f"{columns['owner_number'][0]} / {columns['owner_mobile'][0]}"])

    def prepare(self, rows: list[tuple[int, dict]]) -> None:
        """The owners the file names, fetched in two queries instead of two per row."""
        numbers, mobiles = set(), set()
        for _number, values in rows:
            if owner_number := cell_text(values.get("owner_number")).upper():
                numbers.add(owner_number)
            if mobile := _normalised(normalize_mobile, cell_text(values.get("owner_mobile"))):
                mobiles.add(mobile)
        customers = Customer.objects.active().filter(store=self.store)
        for customer in customers.filter(number__in=numbers).order_by("pk"):
            self.owners.setdefault(("number", customer.number), []).append(customer)
        for customer in customers.filter(mobile__in=mobiles).order_by("pk"):
            self.owners.setdefault(("mobile", customer.mobile), []).append(customer)

    def _owner(self, data: dict, errors: dict) -> Customer | None:
        owner_number = data.pop("owner_number", "").upper()
        owner_mobile = data.pop("owner_mobile", "")
        if owner_number:
            if found := self.owners.get(("number", owner_number)):
                return found[0]
            errors["owner_number"] = _("No customer with this number in this store. Import the customers first.")
        elif owner_mobile:
            mobile = _normalised(normalize_mobile, owner_mobile)
            found = self.owners.get(("mobile", mobile), []) if mobile else []
            if mobile is None:
                errors["owner_mobile"] = _("Enter an 11-digit mainland mobile number, e.g. 138 1234 5678.")
            elif not found:
                errors["owner_mobile"] = _("No customer with this mobile in this store. Import the customers first.")
            elif len(found) > 1:
                errors["owner_mobile"] = _("Several customers share this mobile. Give the customer number instead.")
            else:
                return found[0]
        else:
            errors["owner_number"] = _("Give the owner's customer number or mobile.")
        return None

    def row(self, number: int, values: dict):
        data, errors = _parse_row(values, self.lookups)
        odometer_km = data.pop("odometer_km", None)
        data.setdefault("vin_check_digit_waived", False)
        owner = self._owner(data, errors)
        vin = _normalised(
            partial(normalize_vin, accept_check_digit_mismatch=data["vin_check_digit_waived"]), data.get("vin", "")
        )
        errors.update(self.claim(number, "vin", vin, _("Row %(row)s has the same VIN.")))
        unregistered = data.get("plate_kind", PlateKind.STANDARD) != PlateKind.STANDARD
        plate = _normalised(partial(normalize_plate, unregistered_format=unregistered), data.get("plate", ""))
        errors.update(self.claim(number, "plate", plate, _("Row %(row)s has the same plate.")))

        if owner is None:
            # Nothing to create without an owner; the service's checks of the VIN and plate still report.
            def check() -> str:
                services.clean_vehicle_data(store=self.store, data=data)
                return UNCHANGED

            return errors, check

        def create() -> str:
            services.vehicle_create(actor=self.actor, store=self.store, owner=owner, data=data, odometer_km=odometer_km)
            return CREATED

        return errors, create


IMPORTERS: dict[str, type[Importer]] = {CUSTOMERS: CustomerImporter, VEHICLES: VehicleImporter}


def importer_factory(*, actor, store: Store, kind: str):
    """What builds the importer of `kind` for a file's headers; PermissionDenied without CUSTOMER_EDIT."""
    if kind not in IMPORTERS:
        raise ValueError(kind)
    if not actor.has_perm(Perm.CUSTOMER_EDIT, store):
        raise PermissionDenied
    importer_class = IMPORTERS[kind]

    def make(headers: Sequence[str]) -> Importer:
        return importer_class(actor=actor, store=store, column_map=column_map_for(importer_class, headers))

    return make


def preview_import(*, actor, store: Store, kind: str, headers: Sequence[str], rows: Sequence) -> ImportResult:
    """Check every row as the import would, and write nothing (core.imports.preview)."""
    return pipeline.preview(importer_factory(actor=actor, store=store, kind=kind), headers, rows)


def run_import(
    *, actor, store: Store, kind: str, headers: Sequence[str], rows: Sequence, mode: str, filename: str = ""
) -> ImportResult:
    """Import the rows into `store`, all or nothing or only the valid rows (core.imports.run)."""
    make = importer_factory(actor=actor, store=store, kind=kind)
    result = pipeline.run(make, headers, rows, mode=mode, filename=filename, audit_store=store)
    # Thousands of new rows change what the search indexes are worth to the
    # planner; refresh its statistics now rather than at the nightly run.
    if result.created >= 500:
        database_analyze()
    return result


__all__ = [
    "ALL_OR_NOTHING",
    "CUSTOMERS",
    "CUSTOMER_COLUMNS",
    "IMPORTERS",
    "KINDS",
    "MODES",
    "VALID_ROWS",
    "VEHICLES",
    "VEHICLE_COLUMNS",
    "ImportResult",
    "RowError",
    "importer_factory",
    "preview_import",
    "run_import",
]  # fmt: skip
