"""Email through Django's mail backends (docs/DOMAIN.md §15.1).

Config keys (all optional): host, port, username, password, use_tls, use_ssl,
timeout, from_email. Without a host the installation's EMAIL_BACKEND sends.
The outbox row's idempotency key becomes the Message-ID, so a copy re-sent
after a killed worker carries the same id (mail servers and clients drop it)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from . import register_adapter
from .base import OutboundMessage, ProviderAdapter, SendResult

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _flag(value) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on"}


@register_adapter
class EmailAdapter(ProviderAdapter):
    channel = "email"
    code = "email"

    def connection(self):
        config = self.config
        if not config.get("host"):
            return get_connection(fail_silently=False)
        return get_connection(
            SMTP_BACKEND,
            fail_silently=False,
            host=config["host"],
            port=int(config.get("port") or 25),
            username=config.get("username") or "",
            password=config.get("password") or "",
            use_tls=_flag(config.get("use_tls", "")),
            use_ssl=_flag(config.get("use_ssl", "")),
            timeout=float(config.get("timeout") or 10),
        )

    def send(self, message: OutboundMessage) -> SendResult:
        domain = (self.config.get("from_email") or settings.DEFAULT_FROM_EMAIL).rpartition("@")[2] or "localhost"
        message_id = f"<{message.idempotency_key or 'message'}@{domain}>"
        email = EmailMessage(
            subject=message.subject or message.text[:30],
            body=message.text,
            from_email=self.config.get("from_email") or settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Message-ID": message_id},
        )
        try:
            sent = self.connection().send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult(ok=False, retryable=False, error=f"recipient refused: {exc.recipients}"[:200])
        except smtplib.SMTPResponseException as exc:
            # 5xx: permanent (bad mailbox, refused content); 4xx: try again later.
            return SendResult(ok=False, retryable=exc.smtp_code < 500, error=f"SMTP {exc.smtp_code}")
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return SendResult(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}"[:200])
        if not sent:
            return SendResult(ok=False, retryable=True, error="not sent")
        return SendResult(ok=True, provider_message_id=message_id)
