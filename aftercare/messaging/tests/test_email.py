"""The email adapter through Django's SMTP backend against a local aiosmtpd server
on 127.0.0.1: success, a refused recipient, a server that is down (retry)."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from aftercare.messaging.providers import OutboundMessage, adapter_for


class Recorder(Sink):
    def __init__(self):
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def _adapter(port):
    return adapter_for("email", {"host": "127.0.0.1", "port": str(port), "from_email": "service@th.example.com"})


def _message(to="wang@example.com"):
    return OutboundMessage(to=to, text="王芳您好，您的爱车已完工。", subject="车辆已完工", idempotency_key="k-1")


def test_an_email_is_delivered_to_the_smtp_server_with_the_outbox_key_as_message_id(smtp):
    controller, handler = smtp
    result = _adapter(controller.port).send(_message())
    assert result.ok and result.provider_message_id == "<k-1@th.example.com>"
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["wang@example.com"]
    body = envelope.content.decode()
    assert "Message-ID: <k-1@th.example.com>" in body


def test_a_refused_recipient_is_a_permanent_failure(smtp):
    controller, _handler = smtp
    result = _adapter(controller.port).send(_message("nobody@example.com"))
    assert (result.ok, result.retryable) == (False, False)


def test_a_server_that_does_not_answer_is_retried():
    result = _adapter(_free_port()).send(_message())
    assert (result.ok, result.retryable) == (False, True)
