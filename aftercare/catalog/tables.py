"""One table per kind. The code links to the entry; every catalogue table says
whether a row is the group default or a store's own."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .choices import BayCapability, Powertrain

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}


class ChoiceListColumn(tables.Column):
    """A JSON list of choices as their labels; an empty list means "all" (or "none")."""

    def __init__(self, *, choices, empty_label, **kwargs):
        super().__init__(empty_values=(), **kwargs)
        self.choices, self.empty_label = dict(choices), empty_label

    def render(self, value):
        return "、".join(str(self.choices.get(item, item)) for item in value) if value else self.empty_label


class CatalogTable(tables.Table):
    level = tables.Column(empty_values=(), accessor="store", orderable=False, verbose_name=_("Level"))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta:
        attrs = TABLE_ATTRS
        orderable = False
        empty_text = _("Nothing here yet.")

    def render_level(self, record):
        if record.store_id is None:
            return format_html('<span class="badge text-bg-secondary">{}</span>', _("Group default"))
        return format_html('<span class="badge text-bg-info">{}</span>', record.store.name)


def code_column(accessor: str = "code", label=None) -> tables.Column:
    return tables.Column(accessor=accessor, linkify=True, verbose_name=label or _("Code"))


class RepairTypeTable(CatalogTable):
    code = code_column()
    name = tables.Column(verbose_name=_("Name"))
    bills_to = tables.Column(verbose_name=_("Bills to"))

    class Meta(CatalogTable.Meta):
        fields = ["code", "name", "bills_to", "level", "is_active"]


class LabourRateTable(CatalogTable):
    repair_type = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("Repair type"))
    hourly_rate = tables.Column(verbose_name=_("Hourly rate (CNY)"), attrs={"td": {"class": "text-end"}})

    class Meta(CatalogTable.Meta):
        fields = ["repair_type", "hourly_rate", "level", "is_active"]


class OperationCategoryTable(CatalogTable):
    code = code_column()
    name = tables.Column(verbose_name=_("Name"))

    class Meta(CatalogTable.Meta):
        fields = ["code", "name", "level", "is_active"]


class LabourOperationTable(CatalogTable):
    code = code_column()
    name = tables.Column(verbose_name=_("Name"))
    category = tables.Column(verbose_name=_("Category"))
    frt_hours = tables.Column(verbose_name=_("FRT hours"), attrs={"td": {"class": "text-end"}})
    powertrains = ChoiceListColumn(choices=Powertrain.choices, empty_label=_("All"), verbose_name=_("Powertrains"))
    high_voltage = tables.BooleanColumn(verbose_name=_("High voltage"))

    class Meta(CatalogTable.Meta):
        fields = ["code", "name", "category", "frt_hours", "powertrains", "high_voltage", "level", "is_active"]


class PartTable(CatalogTable):
    part_no = code_column("part_no", _("Part number"))
    name = tables.Column(verbose_name=_("Name"))
    brand = tables.Column(verbose_name=_("Brand"))
    is_oem = tables.BooleanColumn(verbose_name=_("OEM"))
    unit_price = tables.Column(verbose_name=_("Unit price (CNY)"), attrs={"td": {"class": "text-end"}})

    class Meta(CatalogTable.Meta):
        fields = ["part_no", "name", "brand", "is_oem", "unit_price", "level", "is_active"]


class PackageJobTable(CatalogTable):
    code = code_column()
    name = tables.Column(verbose_name=_("Name"))
    repair_type = tables.Column(verbose_name=_("Repair type"))

    class Meta(CatalogTable.Meta):
        fields = ["code", "name", "repair_type", "level", "is_active"]


class OtherChargeTable(CatalogTable):
    code = code_column()
    name = tables.Column(verbose_name=_("Name"))
    default_amount = tables.Column(verbose_name=_("Default amount (CNY)"), attrs={"td": {"class": "text-end"}})

    class Meta(CatalogTable.Meta):
        fields = ["code", "name", "default_amount", "level", "is_active"]


class BayTable(tables.Table):
    code = code_column()
    name = tables.Column(verbose_name=_("Name"))
    store = tables.Column(verbose_name=_("Store"))
    capabilities = ChoiceListColumn(choices=BayCapability.choices, empty_label="—", verbose_name=_("Capabilities"))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta:
        attrs = TABLE_ATTRS
        orderable = False
        empty_text = _("Nothing here yet.")
        fields = ["code", "name", "store", "capabilities", "is_active"]


class InspectionItemTable(CatalogTable):
    code = code_column()
    name = tables.Column(verbose_name=_("Name"))
    area = tables.Column(verbose_name=_("Area"))
    sort_order = tables.Column(verbose_name=_("Order"))
    powertrains = ChoiceListColumn(choices=Powertrain.choices, empty_label=_("All"), verbose_name=_("Powertrains"))

    class Meta(CatalogTable.Meta):
        fields = ["sort_order", "code", "name", "area", "powertrains", "level", "is_active"]


class SurveyQuestionTable(CatalogTable):
    code = code_column()
    text = tables.Column(verbose_name=_("Question"))
    dimension = tables.Column(verbose_name=_("Dimension"))
    answer_type = tables.Column(verbose_name=_("Answer type"))

    class Meta(CatalogTable.Meta):
        fields = ["code", "text", "dimension", "answer_type", "level", "is_active"]


class DiscountLevelTable(CatalogTable):
    code = code_column()
    name = tables.Column(verbose_name=_("Name"))
    labour_discount_pct = tables.Column(verbose_name=_("Labour discount %"), attrs={"td": {"class": "text-end"}})
    parts_discount_pct = tables.Column(verbose_name=_("Parts discount %"), attrs={"td": {"class": "text-end"}})

    class Meta(CatalogTable.Meta):
        fields = ["code", "name", "labour_discount_pct", "parts_discount_pct", "level", "is_active"]
