"""Errors every app may raise."""

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """A well-formed request that the document's current state refuses (a move the workflow does not
    allow now, an idempotency key already used for something else): 409 in the API, with the reason."""
