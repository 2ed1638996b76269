"""The committed OpenAPI schema matches the code (run `make schema` after an API change)."""

from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

SCHEMA = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def test_the_committed_api_schema_is_current():
    out = StringIO()
    call_command("spectacular", "--lang", "en", "--validate", stdout=out)
    assert SCHEMA.read_text() == out.getvalue(), "docs/openapi.yaml is stale: run `make schema` and commit it"


def test_the_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
