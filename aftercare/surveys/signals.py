"""What the surveys app announces. Listeners (follow-ups, complaints) react to a
low score; the signal carries ids only and is sent after the commit."""

from django.dispatch import Signal

# sender=SurveyResponse, response_id=int, overall_score=Decimal | None
survey_answered = Signal()
