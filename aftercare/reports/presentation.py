"""How a report's rows look on a page and in a chart (reports/framework.py declares them)."""

from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils.formats import date_format

from .framework import Column, Filters, Report


def format_value(column: Column, value, kind: str | None = None) -> str:
    kind = kind if column.kind == "row" else column.kind
    if value is None or value == "":
        return "—"
    if kind == "pct":
        return f"{Decimal(value) * 100:.1f}%"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "hours":
        return f"{Decimal(value):,.1f}"
    if kind == "int" and isinstance(value, int | Decimal):
        return f"{value:,}"
    if isinstance(value, date):
        return date_format(value, "Y-m-d")
    return str(value)


def cell(column: Column, value, link: str = "", kind: str | None = None) -> dict:
    return {"text": format_value(column, value, kind), "numeric": column.numeric, "link": link, "key": column.key}


def _drill_link(report: Report, f: Filters, column: Column, row_key) -> str:
    if not column.drill:
        return ""
    return f"{reverse('reports:drill', args=[report.slug])}?{f.querystring(col=column.key, row=row_key or '')}"


def report_table(report: Report, f: Filters, rows: list[dict], totals: dict) -> dict:
    """Columns, rows of cells (a number with drill-down is a link) and the totals row."""

    def cells(row: dict, row_key):
        return [
            cell(c, row.get(c.key), _drill_link(report, f, c, row_key) if row.get(c.key) else "", row.get("kind"))
            for c in report.columns
        ]

    total_cells = []
    for n, c in enumerate(report.columns):
        value = totals.get(c.key) if c.total is not None else None
        link = _drill_link(report, f, c, None) if value else ""
        total_cells.append(cell(c, value, link) if (n or c.total is not None) else {"text": "", "numeric": False})
    return {
        "columns": report.columns,
        "rows": [{"cells": cells(r, r.get("key")), "key": r.get("key", "")} for r in rows],
        "totals": total_cells,
    }


def _chart_number(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def chart_data(report: Report, rows: list[dict], chart_id: str = "") -> dict:
    """What static/aftercare/reports.js draws with ECharts, as json_script."""
    chart = report.chart
    x_column = report.column(chart.x)
    series = []
    for key in chart.series:
        column = report.column(key)
        values = [_chart_number(r.get(key)) for r in rows]
        if column.kind == "pct":
            values = [None if v is None else round(v * 100, 1) for v in values]
        series.append({"name": str(column.label), "data": values})
    percent = all(report.column(k).kind == "pct" for k in chart.series)
    return {
        "id": chart_id or f"chart-{report.slug}",
        "kind": chart.kind,
        "title": str(chart.title),
        "categories": [format_value(x_column, r.get(chart.x)) for r in rows],
        "series": series,
        "percent": percent,
    }
