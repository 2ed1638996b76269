"""Production settings pass Django's deployment checks."""

import os
import subprocess
import sys

from django.conf import settings


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "HTTPS": "1",
        "SECRET_KEY": "x" * 20 + "production-only-secret-key-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "aftercare.example.cn",
        "VAR_DIR": str(tmp_path),
    }
    # Set by the browser tests for Playwright's event loop; never in a deployment.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_defaults_are_chinese_and_shanghai_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
