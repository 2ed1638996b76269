"""The API's JSON parser: a body nested past Python's recursion limit is a 400, not a 500."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser answers malformed JSON with a ParseError but lets the
    RecursionError of a deeply nested body through (json raises it, not a
    ValueError); no request of this API nests more than a few levels."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON nested too deeply.")) from None
