from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..exceptions import Conflict


def exception_handler(exc, context):
    """DRF's handler, plus model/service ValidationErrors as 400 with field errors.

    Services raise django.core.exceptions.ValidationError; without this an
    API client would see a 500 for bad input. A `Conflict` (the document's state refuses a
    well-formed request: a workflow move, a reused idempotency key) is 409 with the reason.
    """
    if isinstance(exc, Conflict):
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)
