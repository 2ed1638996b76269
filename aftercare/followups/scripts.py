"""Default call scripts (话术) per follow-up type (docs/DOMAIN.md §7.3); a store may
write its own (FollowUpScript). Placeholders: {customer} {advisor} {store}
{store_phone} {next_service}."""

from django.utils.translation import gettext_lazy as _

from .choices import Kind

DEFAULT_SCRIPTS = {
    Kind.FIRST_SERVICE: _(
        "Hello, is this {customer}? I am {advisor}, your service advisor at {store}. You had your first "
        "service with us yesterday and we would like to know how it went.\n"
        "- Were you happy with how quickly we served you? Did you have to wait long?\n"
        "- Were you happy with the technician's work and explanations?\n"
        "If anything is wrong with your car, call me at any time: {store_phone}."
    ),
    Kind.MAINTENANCE: _(
        "Hello {customer}! You had your car serviced with us last week. How is the car now? Any problem?\n"
        "Your next service is due on {next_service}; booking ahead gets you a 10 percent discount. "
        "Shall I book it for you?\n"
        "Thank you, we look forward to seeing you again!"
    ),
    Kind.REPAIR: _(
        "Hello {customer}, this is {advisor} from {store}. We repaired your car a week ago. Is everything "
        "working well since the repair? Any noise, warning light or other concern?"
    ),
    Kind.COMPLAINT: _(
        "Hello {customer}, this is the service manager of {store}. Your complaint has been resolved; we want "
        "to be sure you are satisfied with the result. Is there anything else we can do?"
    ),
    Kind.CHURN: _(
        "Hello {customer}, this is {store}. We have not seen you for a while and want to check that your car "
        "is doing well. Is there anything we could have done better? Your next service is due on {next_service}."
    ),
    Kind.HOLIDAY: _(
        "Hello {customer}, {store} wishes you and your family a happy holiday! If you travel, remember our "
        "rescue number {store_phone}. Would you like a free pre-trip check?"
    ),
}
