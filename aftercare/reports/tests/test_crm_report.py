"""The monthly CRM report: generated on the 1st, kept as versions never rewritten, what changed,
the drill-down adding up to each number, PDF and xlsx (docs/DOMAIN.md §18.6)."""

import io
from datetime import date

import pypdfium2
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from aftercare.followups.choices import TaskStatus
from aftercare.reports.crm_report import crm_report_generate, crm_reports_for_last_month
from aftercare.reports.models import CrmReport
from aftercare.reports.pdf import LocalOnlyFetcher
from aftercare.tests.factories import StoreFactory

from .conftest import at

pytestmark = pytest.mark.django_db
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def november(store, staff, make):
    """Two missed targets with causes: a call not made, a complaint open until 3 December."""
    made, missed = make.customer("甲"), make.customer("乙")
    make.call(made, "2026-11-05 18:00", status=TaskStatus.DONE, done="2026-11-05 10:00")
    make.call(missed, "2026-11-20 18:00", owner=staff["advisor"])
    complaint = make.complaint(missed, "2026-11-28 10:00", resolved=None)
    make.survey(made, "2026-11-06 10:00", 5)
    return {"complaint": complaint, "missed": missed}


def generate(store, when, **kwargs):
    with time_machine.travel(at(when), tick=False):
        return crm_report_generate(store=store, month=NOVEMBER, now=at(when), **kwargs)


def kpi(report, key):
    return next(k for k in report.figures["kpis"] if k["key"] == key)


def test_the_monthly_run_reports_last_month_for_every_active_store_once(store, november):
    StoreFactory(group=store.group, code="off", is_active=False)
    with time_machine.travel(at("2026-12-01 07:30"), tick=False):
        assert crm_reports_for_last_month() == 1
        assert crm_reports_for_last_month() == 0  # a rerun adds nothing
    report = CrmReport.objects.get()
    assert (report.store, report.month, report.version, report.generated_by) == (store, NOVEMBER, 1, None)
    assert kpi(report, "followup_coverage") | {} == {
        "key": "followup_coverage", "rate": "0.5000", "target": "0.9500", "numerator": 1, "denominator": 2,
        "met": False,
    }  # fmt: skip
    assert len(report.figures["trend"]) == 13 and report.figures["trend"][-1]["month"] == "2026-11"


def test_a_report_version_is_never_rewritten_or_deleted(store, november):
    report, _added = generate(store, "2026-12-01 07:30")
    report.reason = "edited"
    with pytest.raises(PermissionDenied):
        report.save()
    with pytest.raises(PermissionDenied):
        CrmReport.objects.filter(pk=report.pk).update(figures={})
    with pytest.raises(PermissionDenied):
        report.delete()
    with pytest.raises(PermissionDenied):
        CrmReport.objects.all().delete()


def test_regenerating_adds_a_version_only_when_a_figure_changed_and_says_what(client_for, store, staff, november):
    first, added = generate(store, "2026-12-01 07:30")
    assert added and kpi(first, "complaint_resolution")["numerator"] == 0
    same, added = generate(store, "2026-12-02 09:00", user=staff["service_manager"])
    assert (same.pk, added) == (first.pk, False)
    # The complaint received on 28 November is resolved on 3 December.
    from aftercare.complaints.choices import Status
    from aftercare.complaints.models import Complaint

    Complaint.objects.filter(pk=november["complaint"].pk).update(status=Status.RESOLVED, resolved_at=at("2026-12-03"))
    second, added = generate(store, "2026-12-04 09:00", user=staff["service_manager"], reason="投诉已解决")

    assert added and second.version == 2
    assert kpi(second, "complaint_resolution")["numerator"] == 1
    first.refresh_from_db()
    assert kpi(first, "complaint_resolution")["numerator"] == 0  # history as it was printed
    page = client_for(staff["service_manager"]).get(
        reverse("reports:crm_report"), {"store": store.pk, "month": "2026-11"}
    )
    assert page.context["report"].pk == second.pk
    [change] = page.context["changes"]
    assert (change["key"], change["old"], change["new"]) == ("complaint_resolution", "0/1", "1/1")
    assert change["now_ok"] == [november["missed"].pk]
    older = client_for(staff["service_manager"]).get(
        reverse("reports:crm_report"), {"store": store.pk, "month": "2026-11", "version": 1}
    )
    assert older.context["report"].pk == first.pk and older.context["changes"] == []


def test_the_drill_down_adds_up_to_each_number_and_names_the_cause_and_person(client_for, store, staff, november):
    report, _added = generate(store, "2026-12-01 07:30")
    client = client_for(staff["service_manager"])
    for figure in report.figures["kpis"]:
        url = reverse("reports:crm_report_drill", args=[report.pk, figure["key"]])
        assert client.get(url, {"show": "all"}).context["total"] == figure["denominator"]
        assert client.get(url, {"show": "ok"}).context["total"] == figure["numerator"]
        assert client.get(url).context["total"] == figure["denominator"] - figure["numerator"]
    page = client.get(reverse("reports:crm_report_drill", args=[report.pk, "followup_coverage"]))
    [line] = page.context["lines"]
    assert (line["customer"], line["person"]) == (november["missed"], str(staff["advisor"]))
    assert str(line["cause"]) in ("未回访", "Follow-up not made")  # in the page's language


def test_the_causes_behind_each_missed_target_are_listed(store, staff, november):
    report, _added = generate(store, "2026-12-01 07:30")
    assert set(report.figures["causes"]) == {"followup_coverage", "complaint_resolution"}
    assert report.figures["causes"]["followup_coverage"] == [
        {"cause": "followup_not_made", "person_id": staff["advisor"].pk, "count": 1}
    ]


def test_another_stores_report_is_not_found(client_for, store, staff, november, other_store):
    with time_machine.travel(at("2026-12-01 07:30"), tick=False):
        report, _added = crm_report_generate(store=other_store, month=NOVEMBER)
    client = client_for(staff["service_manager"])
    assert client.get(reverse("reports:crm_report_pdf", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:crm_report_drill", args=[report.pk, "retention"])).status_code == 404


def test_the_pdf_prints_the_report_in_chinese_with_nothing_fetched(client_for, store, staff, november, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    report, _added = generate(store, "2026-12-01 07:30")
    response = client_for(staff["service_manager"]).get(
        reverse("reports:crm_report_pdf", args=[report.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.content))
    text = pdf[0].get_textpage().get_text_range()
    assert store.name in text and "回访覆盖率" in text
    with pytest.raises(ValueError):
        LocalOnlyFetcher().fetch("https://example.com/font.ttf")
    with pytest.raises(ValueError):
        LocalOnlyFetcher().fetch("file:///etc/passwd")


def test_the_xlsx_has_the_figures_causes_and_trend(client_for, store, staff, november):
    import openpyxl

    report, _added = generate(store, "2026-12-01 07:30")
    response = client_for(staff["service_manager"]).get(reverse("reports:crm_report_xlsx", args=[report.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    sections = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    with translation.override("zh-hans"):  # the manager's language, the workbook's
        figures, causes, trend = gettext("Figures"), gettext("Causes"), gettext("Trend")
    assert sections.count(figures) == 5 and causes in sections and sections.count(trend) == 5 * 13


def test_a_month_not_started_cannot_be_generated(client_for, store, staff):
    with time_machine.travel(at("2026-12-10 09:00"), tick=False):
        response = client_for(staff["service_manager"]).post(
            reverse("reports:crm_report_generate"), {"store": store.pk, "month": "2027-01"}
        )
    assert response.status_code == 302 and not CrmReport.objects.exists()
