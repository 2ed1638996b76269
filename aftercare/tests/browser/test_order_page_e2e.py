"""In a real browser, the repair order's page as the front desk uses it: every panel follows a
change to the order without a reload, the catalogue type-ahead adds only what was chosen, an
uploaded photo shows, and the menu, board and appointment grid fit a desk PC and a phone."""

import struct
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.catalog.models import LabourOperation
from aftercare.service import services
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for
from aftercare.tests.otp import browser_second_factor

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-pass-2026"  # what UserFactory gives everyone


def _png(width=40, height=30) -> bytes:
    """A real, decodable PNG (a blue rectangle): the browser must be able to draw it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x0b\x5c\xab" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _log_in(browser, live_server, user, width=1280, height=900):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    if user.requires_second_factor():
        browser_second_factor(page, user)
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.fixture
def order(staff, store):
    catalog_for(store)
    vehicle = VehicleFactory(owner=CustomerFactory(store=store, name="张三"), plate="粤A12345", odometer_km=18000)
    return services.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=vehicle, customer_statement="刹车有异响", odometer_km=20000,
        promised_at=timezone.now() + timedelta(hours=4),
    )  # fmt: skip


def _operation(store, code):
    return LabourOperation.objects.effective_for_store(store).get(code=code)


def _search(page, text):
    page.fill("#catalogue-q", text)
    page.locator("#catalogue-results [role=option]").first.wait_for()


def test_adding_lines_updates_the_settlement_and_workshop_panels_without_a_reload(
    live_server, browser, staff, store, order
):
    advisor = _log_in(browser, live_server, staff["advisor"])
    advisor.goto(f"{live_server.url}/repair-orders/{order.pk}/")
    advisor.get_by_test_id("workshop-panel").wait_for()
    advisor.evaluate("window.notReloaded = true")
    balance = advisor.get_by_test_id("balance")
    assert balance.inner_text() == "¥0.00"

    for code in ("M001", "B001"):
        _search(advisor, code)
        advisor.locator("#catalogue-results [role=option]", has_text=code).click()
        advisor.get_by_test_id("ro-lines-table").get_by_text(code).wait_for()
        order.refresh_from_db()
        # The settlement panel and the workshop panel follow, on the same page.
        advisor.wait_for_function(
            "expected => document.querySelector('[data-testid=balance]').textContent === expected",
            arg=f"¥{order.customer_total}",
        )
        name = _operation(store, code).name
        advisor.get_by_test_id("workshop-panel").get_by_text(name).first.wait_for()

    assert advisor.evaluate("window.notReloaded") is True
    assert order.customer_total > Decimal("0")
    assert advisor.get_by_test_id("ro-total").inner_text() == f"¥{order.total}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    advisor.screenshot(path=str(SCREENSHOTS / "repair-order-after-adding-lines.png"), full_page=True)


def test_enter_adds_only_the_highlighted_entry_and_a_duplicate_asks_first(live_server, browser, staff, store, order):
    advisor = _log_in(browser, live_server, staff["advisor"])
    advisor.goto(f"{live_server.url}/repair-orders/{order.pk}/")
    query = advisor.locator("#catalogue-q")
    options = advisor.locator("#catalogue-results [role=option]")

    # Enter with nothing highlighted adds nothing (it used to add the first match).
    _search(advisor, "M00")
    assert options.count() > 2
    query.press("Enter")
    advisor.wait_for_timeout(500)
    assert not order.lines.exists()

    # The arrow keys move the highlight; Enter adds the highlighted entry.
    query.press("ArrowDown")
    query.press("ArrowDown")
    query.press("ArrowUp")
    query.press("ArrowDown")
    highlighted = advisor.locator("#catalogue-results [role=option].active")
    assert highlighted.count() == 1 and highlighted.get_attribute("aria-selected") == "true"
    assert highlighted.get_attribute("id") == options.nth(1).get_attribute("id")
    chosen = int(highlighted.get_attribute("value"))
    query.press("Enter")
    advisor.locator("#ro-lines-table tr[data-testid^='line-']").first.wait_for()
    assert list(order.lines.values_list("operation_id", flat=True)) == [chosen]

    # The same entry again: the page asks before adding it a second time.
    code = LabourOperation.objects.get(pk=chosen).code
    _search(advisor, code)
    advisor.locator("#catalogue-q").press("ArrowDown")
    advisor.locator("#catalogue-q").press("Enter")
    advisor.get_by_test_id("line-duplicate").wait_for()
    assert order.lines.count() == 1
    advisor.get_by_test_id("line-duplicate-confirm").click()
    rows = "#ro-lines-table tr[data-testid^='line-']"
    advisor.wait_for_function("rows => document.querySelectorAll(rows).length === 2", arg=rows)
    assert order.lines.count() == 2


def test_an_uploaded_photo_shows_on_the_order_page(live_server, browser, staff, order, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    advisor = _log_in(browser, live_server, staff["advisor"])
    advisor.goto(f"{live_server.url}/repair-orders/{order.pk}/")
    form = advisor.locator(f"form[action='/repair-orders/{order.pk}/photos/']")
    form.locator("input[type=file]").set_input_files({"name": "dent.png", "mimeType": "image/png", "buffer": _png()})
    form.locator("input[name=caption]").fill("左前门凹陷")
    form.locator("button[type=submit]").click()
    advisor.wait_for_load_state()
    image = advisor.locator("img[alt='左前门凹陷']")
    image.wait_for()
    advisor.wait_for_function("img => img.complete && img.naturalWidth === 40", arg=image.element_handle())
    assert "/media/" not in image.get_attribute("src")


def test_the_menus_are_open_at_1280_px_and_collapse_on_a_phone(live_server, browser, staff):
    desk = _log_in(browser, live_server, staff["service_manager"], width=1280, height=800)
    nav = desk.get_by_test_id("mainnav")
    assert nav.is_visible()
    assert not desk.locator(".navbar-toggler").is_visible()
    entries = nav.locator(".nav-link")
    assert entries.count() == 7  # Home and six menus
    first_top = entries.first.bounding_box()["y"]
    for index in range(entries.count()):  # every entry on one line, all on the same line, inside the window
        box = entries.nth(index).bounding_box()
        assert box["x"] + box["width"] <= 1280 and box["height"] < 50 and box["y"] == first_top
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1280
    administration = nav.get_by_role("button", name="管理")
    assert administration.get_attribute("aria-expanded") == "false"
    administration.click()
    assert administration.get_attribute("aria-expanded") == "true"
    audit = nav.get_by_role("link", name="审计日志")
    box = audit.bounding_box()
    assert audit.is_visible() and box["x"] + box["width"] <= 1280
    desk.keyboard.press("Escape")  # the keyboard closes the menu again
    assert administration.get_attribute("aria-expanded") == "false" and not audit.is_visible()

    phone = _log_in(browser, live_server, staff["service_manager"], width=390, height=844)
    nav = phone.get_by_test_id("mainnav")
    assert phone.locator(".navbar-toggler").is_visible() and not nav.is_visible()
    phone.locator(".navbar-toggler").click()
    phone.locator("#mainnav.show").wait_for()
    nav.get_by_role("button", name="管理").click()
    audit = nav.get_by_role("link", name="审计日志")
    box = audit.bounding_box()
    assert audit.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390
    audit.click()
    phone.wait_for_url(f"{live_server.url}{reverse('core:audit_list')}")


def _lines_of(locator) -> int:
    """How many lines of text an element's content takes."""
    return locator.evaluate(
        """cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return tops.size;
        }"""
    )


def test_on_a_phone_the_boards_names_stay_on_one_line(live_server, browser, staff, store, order):
    staff["advisor"].full_name = "欧阳明轩"
    staff["advisor"].save(update_fields=["full_name"])
    phone = _log_in(browser, live_server, staff["advisor"], width=390, height=844)
    phone.goto(f"{live_server.url}/workshop/board/")
    row = phone.get_by_test_id("board-row").first
    row.wait_for()
    advisor_cell = row.locator("td").nth(3)
    assert "欧阳明轩" in advisor_cell.inner_text()
    assert _lines_of(advisor_cell) == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page


def test_on_a_phone_the_appointment_grid_reaches_closing_time(live_server, browser, staff, store):
    catalog_for(store)
    phone = _log_in(browser, live_server, staff["advisor"], width=390, height=844)
    phone.goto(f"{live_server.url}/appointments/")
    scroller = phone.get_by_test_id("appt-grid-scroller")
    heads = phone.get_by_test_id("appt-grid").locator(".head")
    last = heads.nth(heads.count() - 1)
    assert phone.get_by_test_id("appt-scroll-hint").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    frame, box = scroller.bounding_box(), last.bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
    # The bay names stay in view while the day scrolls sideways.
    bay = phone.get_by_test_id("appt-grid").locator(".bay").first
    assert bay.bounding_box()["x"] < frame["x"] + 20
