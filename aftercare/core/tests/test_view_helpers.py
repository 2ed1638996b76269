"""The view helpers every app posts through: a form to a service (post_form), a button
to a service (run_action), and the permission check in front of a view."""

import pytest
from django import forms
from django.contrib.messages import constants, get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.translation import gettext as _

from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required, post_form, run_action


class BookingForm(forms.Form):
    day = forms.DateField()
    start_time = forms.TimeField()
    note = forms.CharField(required=False)


LineFormSet = forms.formset_factory(BookingForm, extra=0)


class Refused(ValidationError):
    """A step the service no longer allows (as a workflow's refusal is)."""


@pytest.fixture
def request_():
    request = RequestFactory().post("/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    MessageMiddleware(lambda r: HttpResponse()).process_request(request)
    return request


def flashed(request) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in get_messages(request)]


VALID = {"day": "2026-03-02", "start_time": "09:30", "note": ""}


def never_called(data):
    raise AssertionError("the service must not be called with invalid input")


def test_an_invalid_form_keeps_its_errors_and_the_service_is_not_called(request_):
    form = BookingForm({"day": "not a day", "start_time": "09:30"})
    outcome = post_form(request_, form, never_called, success="Booked.")
    assert outcome.ok is False
    assert list(form.errors) == ["day"]
    assert flashed(request_) == []


def test_a_service_error_lands_on_the_field_the_service_names(request_):
    def book(data):
        raise ValidationError({"note": "Say what the customer wants.", "bay": "The bay is taken."})

    form = BookingForm(VALID)
    outcome = post_form(request_, form, book, success="Booked.")
    assert outcome.ok is False
    assert form.errors["note"] == ["Say what the customer wants."]
    # A field the form does not have: above the form, not lost.
    assert form.non_field_errors() == ["The bay is taken."]
    assert flashed(request_) == []


def test_rename_maps_the_services_field_to_the_forms(request_):
    def book(data):
        raise ValidationError({"start_at": "This time is taken."})

    form = BookingForm(VALID)
    post_form(request_, form, book, rename={"start_at": "start_time"})
    assert form.errors == {"start_time": ["This time is taken."]}


def test_a_service_error_without_a_field_goes_above_the_form_with_its_code(request_):
    def book(data):
        raise ValidationError("Already answered.", code="already_answered")

    form = BookingForm(VALID)
    post_form(request_, form, book)
    assert form.non_field_errors() == ["Already answered."]
    assert form.has_error(NON_FIELD_ERRORS, "already_answered")


def test_success_calls_the_service_with_the_cleaned_data_and_flashes_the_message(request_):
    received = []

    def book(data):
        received.append(data)
        return "A-0001"

    form = BookingForm(VALID)
    outcome = post_form(request_, form, book, success=lambda number: f"Appointment {number} booked.")
    assert outcome.ok is True
    assert outcome.result == "A-0001"
    assert [str(data["day"]) for data in received] == ["2026-03-02"]
    assert flashed(request_) == [(constants.SUCCESS, "Appointment A-0001 booked.")]


def test_success_without_a_message_flashes_nothing(request_):
    outcome = post_form(request_, BookingForm(VALID), lambda data: None)
    assert outcome.ok is True
    assert flashed(request_) == []


def test_a_refusal_named_by_the_view_becomes_a_message_and_leaves_the_form_clean(request_):
    def resolve(data):
        raise Refused("A closed complaint cannot be resolved.")

    form = BookingForm(VALID)
    outcome = post_form(request_, form, resolve, success="Resolved.", refused=Refused)
    assert outcome.ok is False
    assert form.errors == {}
    assert flashed(request_) == [(constants.ERROR, "A closed complaint cannot be resolved.")]


def test_a_formsets_service_error_goes_above_its_rows(request_):
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", **{f"form-0-{k}": v for k, v in VALID.items()}}
    formset = LineFormSet(data)

    def save(rows):
        assert [str(row["start_time"]) for row in rows] == ["09:30:00"]
        raise ValidationError({"start_time": "Two lines for one job."})

    outcome = post_form(request_, formset, save, success="Saved.")
    assert outcome.ok is False
    assert list(formset.non_form_errors()) == ["Two lines for one job."]
    assert flashed(request_) == []


def test_run_action_flashes_the_success_and_returns_the_result(request_):
    outcome = run_action(request_, lambda: 7, success=lambda n: f"{n} calls claimed.")
    assert (outcome.ok, outcome.result) == (True, 7)
    assert flashed(request_) == [(constants.SUCCESS, "7 calls claimed.")]


def test_run_action_turns_a_refusal_into_an_error_message(request_):
    def claim():
        raise ValidationError({"owner": "Someone else already owns this follow-up."})

    outcome = run_action(request_, claim, success="Claimed.")
    assert outcome.ok is False
    assert flashed(request_) == [(constants.ERROR, "Someone else already owns this follow-up.")]


def test_run_action_turns_a_denied_role_into_an_error_message(request_):
    def delete():
        raise PermissionDenied

    outcome = run_action(request_, delete, success="Deleted.")
    assert outcome.ok is False
    assert flashed(request_) == [(constants.ERROR, _("Your role cannot do this."))]


@permission_required(Perm.AUDIT_VIEW, Perm.BACKUP_RUN)
def audit_or_backup(request):
    return HttpResponse("ok")


@pytest.mark.parametrize("role", ["service_manager", "admin"])
def test_permission_required_lets_in_whoever_has_one_of_the_permissions(staff, role):
    request = RequestFactory().get("/")
    request.user = staff[role]
    assert audit_or_backup(request).status_code == 200


def test_permission_required_refuses_whoever_has_none_of_them(staff):
    request = RequestFactory().get("/")
    request.user = staff["technician"]
    with pytest.raises(PermissionDenied):
        audit_or_backup(request)
