"""The project's shape, checked: one read path, no private ORM APIs in app code."""

import re
from pathlib import Path

import aftercare

APP_ROOT = Path(aftercare.__file__).parent
# The benchmark's floors are hand-written SQL on purpose: they are what the app is measured against.
EXEMPT = {APP_ROOT / "bench"}
# Calls only: a custom lookup *defines* `as_sql` (customers/lookups.py), Django's documented way to add one.
FORBIDDEN = re.compile(r"get_compiler|(?<!def )as_sql\(|execute_sql\(|set_cached_value|get_cached_value")


def _app_sources():
    for path in sorted(APP_ROOT.rglob("*.py")):
        if any(exempt in path.parents for exempt in EXEMPT) or "tests" in path.parts:
            continue
        yield path


def test_app_code_uses_no_private_orm_compiler_api():
    offenders = [
        f"{path.relative_to(APP_ROOT.parent)}:{number}: {line.strip()}"
        for path in _app_sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert offenders == []


def test_the_scan_covers_the_apps_and_skips_only_the_benchmark():
    scanned = {path.relative_to(APP_ROOT).parts[0] for path in _app_sources()}
    assert {"core", "customers", "service", "billing", "workshop"} <= scanned
    assert "bench" not in scanned
