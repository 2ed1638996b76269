"""A Content-Security-Policy the app's own pages satisfy: no inline script anywhere (issue 11, item 10)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"(?<![\w-])on[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|action|src)\s*=\s*["']\s*javascript:""", re.IGNORECASE)

# The demo walk: what each role opens first (aftercare/demo/tests checks it on the demo).
WALK = {
    "advisor": ["/", "/customers/", "/repair-orders/", "/appointments/", "/appointments/week/", "/followups/"],
    "manager": ["/", "/reports/kpis/", "/complaints/", "/catalog/", "/workshop/board/", "/audit/", "/api/docs/"],
    "cashier": ["/", "/billing/"],
    "tech": ["/", "/workshop/my-jobs/"],
    "care": ["/", "/followups/", "/surveys/"],
}


def test_no_template_holds_an_inline_script_or_event_handler():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, JAVASCRIPT_URL):
            found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert found == []


def test_the_policy_allows_scripts_from_the_app_only():
    policy = dict(part.strip().split(" ", 1) for part in settings.CONTENT_SECURITY_POLICY.split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
