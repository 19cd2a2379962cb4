"""Template context every staff page gets from credit (TEMPLATES context_processors): the review queue's count for
the navigation's badge, queried only by pages that show it (to credit officers)."""

from django.utils.functional import SimpleLazyObject

from credit.selectors import credit_review_queue_count


def review_queue(request) -> dict:
    return {"staff_pending_reviews": SimpleLazyObject(credit_review_queue_count)}
