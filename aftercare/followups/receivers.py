"""Signal receivers: no business logic, they enqueue tasks that take ids."""

from aftercare.service.choices import Status


def on_repair_order_status_changed(sender, repair_order_id, to_status, **kwargs):
    if to_status != Status.DELIVERED:
        return
    from .tasks import generate_for_delivery

    generate_for_delivery.enqueue(repair_order_id=repair_order_id)


def on_survey_answered(sender, response_id, overall_score=None, **kwargs):
    if overall_score is None:
        return
    from .services import LOW_SCORE

    if overall_score <= LOW_SCORE:
        from .tasks import problem_from_survey

        problem_from_survey.enqueue(response_id=response_id)
