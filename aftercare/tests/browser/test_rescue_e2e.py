"""A stranded customer's phone (390×844): the store's rescue page takes the phone's position (the
customer grants it), the request goes in, and the status page follows the team by itself
(docs/DOMAIN.md §25.2)."""

import pytest

from aftercare.desk import services
from aftercare.desk.choices import RescueStatus
from aftercare.desk.models import RescueRequest
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_requests_rescue_with_the_phones_location_and_follows_it(live_server, browser, store):
    advisor = UserFactory(username="advisor-rescue")
    MembershipFactory(user=advisor, store=store, role="advisor")
    technician = UserFactory(username="tech-rescue", full_name="张师傅")
    MembershipFactory(user=technician, store=store, role="technician")
    customer = CustomerFactory(store=store, name="王芳", mobile="13911112222")
    VehicleFactory(owner=customer, store=store, plate="粤A12345")

    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
        geolocation={"latitude": 23.129163, "longitude": 113.264435}, permissions=["geolocation"],
    )  # fmt: skip
    page = phone.new_page()
    try:
        page.goto(f"{live_server.url}/help/{store.code}/rescue/")
        page.fill("#id_contact_name", "王芳")
        page.fill("#id_contact_phone", "13911112222")
        page.fill("#id_plate", "粤A12345")
        page.fill("#id_symptom", "高速上爆胎，没有备胎")
        page.get_by_test_id("share-location").click()
        page.wait_for_function("document.getElementById('id_latitude').value !== ''")
        assert "23.12916" in page.get_by_test_id("geo-status").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_test_id("rescue-submit").click()
        page.wait_for_url("**/help/rescue/**")
        assert page.get_by_test_id("status-label").inner_text() == "已受理"

        rescue = RescueRequest.objects.get()
        assert rescue.customer == customer and rescue.vehicle.plate == "粤A12345"
        assert (float(rescue.latitude), float(rescue.longitude)) == (23.129163, 113.264435)
        assert rescue.address == ""

        services.rescue_dispatch(actor=advisor, rescue=rescue, technician=technician, rescue_vehicle="救援车1号",
                                 eta_minutes=30)  # fmt: skip
        page.reload()
        assert page.get_by_test_id("status-label").inner_text() == "已派车"
        assert "张师傅" in page.get_by_test_id("eta").inner_text()

        # The page follows by itself (htmx every 15 s), without the customer reloading it.
        services.rescue_transition(actor=advisor, rescue=rescue, to=RescueStatus.ON_THE_WAY)
        page.get_by_test_id("status-label").filter(has_text="救援车已出发").wait_for(timeout=25000)
    finally:
        phone.close()
