"""The staff dashboard: customers by credit status, exposure per currency, the aging of used credit, the review
queue, the top exposures and the credit used over the last 90 days (figures from credit.dashboard, charts from
core.staff.charts)."""

from django.shortcuts import render

from core.staff.access import Capability, StaffView
from core.staff.charts import column_chart, credit_segments, share_bars
from core.text import code_label
from credit.dashboard import CREDIT_USED_DAYS, NOT_CHECKED, TOP_EXPOSURES, dashboard_metrics
from credit.vocabulary import CreditStatus

# The words of the badges (core.text.code_label), so that the dashboard and every badge say the same.
CREDIT_STATUS_LABELS = {NOT_CHECKED: "Not checked", **{status: code_label(status) for status in CreditStatus.values}}


class DashboardView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        metrics = dashboard_metrics()
        credit_statuses = [
            (status, CREDIT_STATUS_LABELS[status], count)
            for status, count in metrics.customers_by_credit_status.items()
        ]
        exposure = [
            {
                "row": row,
                "segments": credit_segments(used=row.used, reserved=row.reserved, available=row.available),
            }
            for row in metrics.exposure
        ]
        aging = [
            {
                "row": row,
                "bars": column_chart(
                    [(f"bucket-{index}", bucket.label, bucket.amount) for index, bucket in enumerate(row.buckets)],
                    width=300,
                    height=110,
                ),
            }
            for row in metrics.aging
        ]
        credit_used = [
            {
                "history": history,
                "bars": column_chart(
                    [(day.day.isoformat(), f"{day.day:%b %-d}", day.used_after) for day in history.days],
                    width=450,
                    height=110,
                    gap=1,
                ),
            }
            for history in metrics.credit_used
        ]
        context = {
            "metrics": metrics,
            "credit_used": credit_used,
            "credit_used_days": CREDIT_USED_DAYS,
            "top_exposures_count": TOP_EXPOSURES,
            "active_customers": metrics.customers_by_status.get("active", 0),
            "credit_statuses": share_bars(credit_statuses),
            "exposure": exposure,
            "aging": aging,
        }
        return render(request, "staff/dashboard.html", context)
