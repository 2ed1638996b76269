"""The rights desk's pages: a manager handles an erasure request end to end."""

import pytest

from aftercare.privacy.choices import RequestStatus
from aftercare.privacy.models import RetentionRun, RightsRequest

pytestmark = pytest.mark.django_db


def test_a_manager_handles_an_erasure_request_through_the_pages(client_for, staff, store, rich):
    client = client_for(staff["service_manager"])
    assert rich.number in client.get(f"/privacy/requests/new/?customer={rich.pk}").content.decode()
    response = client.post("/privacy/requests/new/", {"customer_number": rich.number, "kind": "erasure",
                                                      "channel": "counter", "details": "请删除我的资料"})  # fmt: skip
    request = RightsRequest.objects.get()
    assert response.url == f"/privacy/requests/{request.pk}/"
    client.post(f"/privacy/requests/{request.pk}/identity/", {"identity_check": "id_card", "note": "身份证已核对"})
    client.post(f"/privacy/requests/{request.pk}/start/")
    client.post(f"/privacy/requests/{request.pk}/erase/")
    client.post(f"/privacy/requests/{request.pk}/close/", {"reply": "您的个人信息已删除，依法保留的记录已匿名化。"})
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED and request.outcome["kept"]
    page = client.get(f"/privacy/requests/{request.pk}/").content.decode()
    assert "会计" in page
    assert rich.number in client.get("/privacy/requests/").content.decode()


def test_the_retention_page_runs_a_dry_run_and_only_managers_open_it(client_for, staff, store):
    client = client_for(staff["service_manager"])
    assert client.get("/privacy/retention/").status_code == 200
    client.post("/privacy/retention/dry-run/")
    assert RetentionRun.objects.get().mode == "dry_run"
    assert client_for(staff["customer_care"]).get("/privacy/retention/").status_code == 403
    assert client.get("/privacy/access/").status_code == 200
