"""Icons come from the vendored Bootstrap Icons font, never from emoji (boxes where no emoji font is
installed), and every page's icon is served locally: /favicon.ico answers instead of a 404."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
# Emoji and the pictographic symbols used as icons; arrows, ticks in data (√ ×) and the "−" sign are text.
PICTOGRAPHS = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u23e9-\u23fa\u25b2\u25b6\u25bc\u2705\u2714\u2718]")


def _sources():
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "static" / "aftercare").rglob("*.js")
    yield ROOT / "aftercare" / "navigation.py"


def test_no_template_script_or_menu_entry_uses_an_emoji_as_an_icon():
    found = [
        f"{path.relative_to(ROOT)}: {match.group()}"
        for path in _sources()
        for match in PICTOGRAPHS.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_icon_font_is_vendored_with_the_file_its_css_names():
    css = (ROOT / "static/vendor/bootstrap-icons/bootstrap-icons.min.css").read_text()
    fonts = re.findall(r'url\("([^"?]+)', css)
    assert fonts and all((ROOT / "static/vendor/bootstrap-icons" / font).exists() for font in fonts)
    assert "//" not in "".join(fonts)  # no CDN


@pytest.mark.django_db
def test_favicon_ico_answers_with_the_static_icon_and_pages_link_it(client, staff, client_for):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == static("aftercare/favicon.ico")
    assert (ROOT / "static/aftercare/favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    html = client_for(staff["advisor"]).get(reverse("home")).content.decode()
    assert 'rel="icon"' in html and "bootstrap-icons.min.css" in html
