"""Call scripts (话术) per follow-up type (docs/DOMAIN.md §7.3): templated text, the
store's own (FollowUpScript) or the defaults below, rendered with the call's
context. A script follows the type, the order's repair type, the time since the
visit and the caller's own name.

Scripts are Django template text (plain text, not HTML: the page escapes it) with
these variables: {{ customer }} {{ caller }} {{ caller_role }} {{ advisor }}
{{ store }} {{ store_phone }} {{ repair_type }} {{ first_free }} {{ since_visit }}
{{ visit_date }} {{ next_service }} {{ holiday }}. They are rendered by an engine
with no template loader and no tag library beyond the built-in ones, so a
store's script can branch ({% if first_free %}) but cannot read files."""

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .choices import Kind

DEFAULT_SCRIPTS = {
    Kind.FIRST_SERVICE: _(
        "Hello, is this {{ customer }}? I am {{ caller }}, {{ caller_role }} at {{ store }}. You had your first "
        "service with us ({{ repair_type }}) {{ since_visit }} and we would like to know how it went.\n"
        "- Were you happy with how quickly we served you? Did you have to wait long?\n"
        "- Were you happy with the technician's work and explanations?\n"
        "If anything is wrong with your car, call us at any time: {{ store_phone }}."
    ),
    Kind.MAINTENANCE: _(
        "Hello {{ customer }}, I am {{ caller }} of {{ store }}. You had {{ repair_type }} with us "
        "{{ since_visit }}. How is the car now? Any problem?\n"
        "{% if first_free %}That was your free first maintenance; regular service from now on keeps "
        "the warranty valid.\n{% endif %}"
        "Your next service is due on {{ next_service }}; booking ahead gets you a 10 percent discount. "
        "Shall I book it for you?\n"
        "Thank you, we look forward to seeing you again!"
    ),
    Kind.REPAIR: _(
        "Hello {{ customer }}, this is {{ caller }} from {{ store }}. We did {{ repair_type }} on your car "
        "{{ since_visit }} (your advisor was {{ advisor }}). Is everything working well since the repair? "
        "Any noise, warning light or other concern?"
    ),
    Kind.COMPLAINT: _(
        "Hello {{ customer }}, this is {{ caller }}, {{ caller_role }} of {{ store }}. Your complaint has been "
        "resolved; we want to be sure you are satisfied with the result. Is there anything else we can do?"
    ),
    Kind.CHURN: _(
        "Hello {{ customer }}, this is {{ caller }} from {{ store }}. Your last visit was {{ since_visit }}, and "
        "we want to check that your car is doing well. Is there anything we could have done better? "
        "Your next service is due on {{ next_service }}."
    ),
    Kind.HOLIDAY: _(
        "Hello {{ customer }}, this is {{ caller }} from {{ store }}. {{ holiday }} is coming: we wish you and "
        "your family a happy holiday! If you travel, remember our rescue number {{ store_phone }}. "
        "Would you like a free pre-trip check?"
    ),
    Kind.RESCUE: _(
        "Hello {{ customer }}, this is {{ caller }} from {{ store }}. Our rescue team came to your car "
        "{{ since_visit }}. Is the car running well now? Were you satisfied with how fast we arrived and how "
        "the team helped you? If anything happens on the road again, our rescue number is {{ store_phone }}."
    ),
    Kind.CARE: _(
        "Hello {{ customer }}, this is {{ caller }} from {{ store }}. We heard what happened and we are very "
        "sorry. First of all: are you and your family all right? Is there anything we can arrange for you now "
        "(towing, a courtesy car, the insurance claim, help with the police report)? We will keep in touch; "
        "you can reach us at any time at {{ store_phone }}."
    ),
    Kind.MESSAGE: _(
        "Hello {{ customer }}, this is {{ caller }} from {{ store }}. We could not reach you by message, so I am "
        "calling to pass it on (the message is in the task's note). Anything else we can do for you? "
        "Our number is {{ store_phone }}."
    ),
}

# No loader (no {% include %} of files), no {% load %}able libraries, plain text out.
SCRIPT_ENGINE = Engine(loaders=[], libraries={}, autoescape=False)


def check_script(text: str) -> None:
    """Raise TemplateSyntaxError when a store's script cannot be rendered."""
    SCRIPT_ENGINE.from_string(text)


def render_script(text: str, context: dict) -> str:
    """The script with the call's context filled in. A store's own script with a
    syntax error (or an include, which finds no file) is shown as written, so the caller still has something to read."""
    try:
        return SCRIPT_ENGINE.from_string(str(text)).render(Context(context, autoescape=False))
    except (TemplateSyntaxError, TemplateDoesNotExist):
        return str(text)


def since_visit(days: int | None) -> str:
    """How long ago the visit was, as the caller says it: today, yesterday, 3 days,
    2 weeks or 5 months ago (a month counted as 30 days)."""
    if days is None:
        return ""
    if days <= 0:
        return str(_("today"))
    if days == 1:
        return str(_("yesterday"))
    if days < 14:
        return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
    if days < 60:
        weeks = days // 7
        return ngettext("%(n)d week ago", "%(n)d weeks ago", weeks) % {"n": weeks}
    months = days // 30
    return ngettext("%(n)d month ago", "%(n)d months ago", months) % {"n": months}
