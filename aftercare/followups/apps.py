from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "aftercare.followups"
    label = "followups"
    verbose_name = _("Follow-ups")

    def ready(self):
        from aftercare.service.services import repair_order_status_changed

        from . import receivers

        repair_order_status_changed.connect(receivers.on_repair_order_status_changed, dispatch_uid="followups_ro")
        # The surveys app is optional here: a low score opens a follow-up problem.
        if apps.is_installed("aftercare.surveys"):
            from aftercare.surveys.signals import survey_answered

            survey_answered.connect(receivers.on_survey_answered, dispatch_uid="followups_survey")
        from aftercare.messaging.services import register_call_handler

        from .services import message_call

        # The door's "call" channel: a message passed on by phone is a follow-up task.
        register_call_handler(message_call)
        from .home import register_cards

        # The home page's cards of the work this app owns (docs/DOMAIN.md §22).
        register_cards()
