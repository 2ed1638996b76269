"""Reports as PDF (docs/DOMAIN.md §18.6): WeasyPrint with Noto Sans SC from the PyPI package
justmytype-intl-cjk. Nothing is fetched: the only file a page may load is that font, and
data: URIs; every other URL (http, https, other files) is refused."""

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import justmytype_intl_cjk
from weasyprint import HTML, URLFetcher

FONT_PATH = Path(justmytype_intl_cjk.__file__).parent / "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"


@lru_cache(maxsize=1)
def font_uri() -> str:
    return FONT_PATH.as_uri()


class LocalOnlyFetcher(URLFetcher):
    """Serves the bundled font and data: URIs; refuses everything else."""

    def __init__(self):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("file:") and Path(unquote(urlsplit(url).path)) != FONT_PATH:
            raise ValueError(f"Only the bundled font may be loaded, not {url}")
        return super().fetch(url, headers)


def render_pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=LocalOnlyFetcher(), base_url=None).write_pdf()
