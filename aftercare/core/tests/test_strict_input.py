"""No silent drop: every serializer that reads a request body refuses keys it does not write."""

import importlib
import re
from pathlib import Path

import pytest
from rest_framework import serializers

from aftercare.core.api.serializers import StrictInputMixin

ROOT = Path(__file__).resolve().parents[2]
# A serializer built from the request body, or a writable viewset's serializer_class.
WRITE_USE = re.compile(r"(\w+Serializer)\(\s*data=request\.data|serializer_class = serializers\.(\w+Serializer)")


def _write_serializers():
    found = []
    for views in sorted(ROOT.glob("*/api/views.py")):
        app = views.parent.parent.name
        if not (views.parent / "serializers.py").exists():  # a read-only API (reports) has none
            assert not WRITE_USE.search(views.read_text()), f"{views} reads a body without serializers"
            continue
        module = importlib.import_module(f"aftercare.{app}.api.serializers")
        for match in WRITE_USE.finditer(views.read_text()):
            found.append(getattr(module, match.group(1) or match.group(2)))
    return sorted(set(found), key=lambda cls: cls.__qualname__)


def test_every_serializer_that_reads_a_body_is_strict():
    loose = [cls.__qualname__ for cls in _write_serializers() if not issubclass(cls, StrictInputMixin)]
    assert len(_write_serializers()) > 20 and loose == []


class _Thing(StrictInputMixin, serializers.Serializer):
    name = serializers.CharField()
    code = serializers.CharField(read_only=True)


@pytest.mark.parametrize(
    ("data", "refused"),
    [({"name": "x", "code": "C"}, "code"), ({"name": "x", "colour": "red"}, "colour")],
)
def test_a_read_only_or_unknown_key_is_a_field_error(data, refused):
    incoming = _Thing(data=data)
    assert not incoming.is_valid() and list(incoming.errors) == [refused]


def test_known_keys_pass():
    assert _Thing(data={"name": "x", "csrfmiddlewaretoken": "t"}).is_valid()
