"""The monthly CRM report's generation (docs/DOMAIN.md §18.6): last month's five KPIs with the rows
behind every number, the causes and the trend of the 12 months before (computed, as on a first
run with no earlier reports kept), as `reports.crm_report.report_figures` builds the snapshot.

Floor: the KPIs by hand for each of the 13 months (bench.ops.followups.kpis_by_hand: the follow-up,
survey and complaint statement and the two retention and repurchase statements)."""

from django.utils import timezone

from aftercare.reports.crm_report import add_months, month_bounds, previous_month, report_figures

from ..harness import NIGHTLY, Case, Context, operation
from .customers import raw
from .followups import _store, kpis_by_hand

# Complaint resolution is left out of the comparison: the report counts a complaint resolved by its
# resolution time, the floor's statement (the KPI page's) by its status.
KEYS = ("retention", "followup_coverage", "satisfaction", "repurchase")


@operation("nightly.crm_report", goal=NIGHTLY, kind="nightly")
def nightly_crm_report(ctx: Context) -> Case:
    sql, store = raw(ctx), _store(ctx)
    month = previous_month(timezone.localdate())

    def run():
        # Measured now, as a regeneration is (the floor reads the complaints' status as of now too).
        return report_figures(store=store, month=month)

    def month_by_hand(n: int):
        start, end = month_bounds(add_months(month, -n))
        return lambda: kpis_by_hand(sql, [store.pk], start, end)

    def same() -> bool:
        ours = {k["key"]: (k["numerator"], k["denominator"]) for k in run()["kpis"]}
        start, end = month_bounds(month)
        theirs = {key: (num, den) for key, _v, _t, num, den, _c in kpis_by_hand(sql, [store.pk], start, end)}
        return all(ours[key] == theirs[key] for key in KEYS) and ours["followup_coverage"][1] > 0

    return Case(run=run, floor=[month_by_hand(n) for n in range(13)], same_answer=same, repeats=5)
