"""Every page renders in Chinese by default and in English on request; errors are friendly."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    ("home", "service_manager", "工作台", "Hello"),
    ("accounts:store_list", "advisor", "门店", "Stores"),
    ("accounts:user_list", "admin", "用户", "Users"),
    ("accounts:permission_matrix", "admin", "权限", "Permissions"),
    ("core:audit_list", "service_manager", "审计日志", "Audit trail"),
    ("core:backup_list", "admin", "备份", "Backups"),
    ("password_change", "advisor", "修改密码", "Change password"),
]


@pytest.mark.parametrize(("url_name", "role", "chinese", "english"), PAGES)
def test_pages_render_in_chinese_by_default(url_name, role, chinese, english, staff, client_for):
    response = client_for(staff[role]).get(reverse(url_name))
    assert response.status_code == 200
    assert chinese in response.content.decode()
    assert 'lang="zh-CN"' in response.content.decode()


@pytest.mark.parametrize(("url_name", "role", "chinese", "english"), PAGES)
def test_pages_render_in_english_after_switching(url_name, role, chinese, english, staff, client_for):
    client = client_for(staff[role])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = client.get(reverse(url_name)).content.decode()
    assert english in content
    assert chinese not in content


def test_the_login_page_is_chinese():
    content = Client().get(reverse("login")).content.decode()
    assert "登录" in content


def test_a_missing_page_says_so_without_a_stack_trace(staff, client_for):
    response = client_for(staff["advisor"]).get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "页面不存在" in content
    assert "Traceback" not in content


def test_a_server_error_shows_a_friendly_page_without_a_stack_trace(staff, settings):
    from django.test import RequestFactory

    from aftercare.core.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Traceback" not in response.content.decode()


def test_static_assets_are_served_by_the_app_itself(staff, client_for):
    content = client_for(staff["advisor"]).get("/").content.decode()
    assert "//cdn" not in content and "https://" not in content
