import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.actors import Actor
from core.staff.charts import column_chart, share_bars, share_text, stacked_bar
from credit.dashboard import dashboard_metrics, review_due_at
from customers.services import customer_archive
from tests.credit.builders import (
    approved_customer,
    completed_purchase,
    completed_purchases,
    customer_with_credit_status,
    grant_line,
    referred_check,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_customers_are_counted_by_status_and_active_ones_by_credit_status():
    customer_with_credit_status("approved")
    customer_with_credit_status("approved")
    CustomerFactory()
    customer_archive(customer=customer_with_credit_status("declined"), actor=Actor.system())
    metrics = dashboard_metrics()
    assert metrics.customers_by_status == {"active": 3, "archived": 1}
    assert metrics.customers_by_credit_status == {
        "not_checked": 1, "pending": 0, "approved": 2, "declined": 0, "hold": 0, "deactivated": 0,
    }  # fmt: skip


def test_exposure_and_utilization_per_currency():
    first, second = CustomerFactory(), CustomerFactory()
    grant_line(first, 100000)
    grant_line(second, 300000)
    completed_purchase(first, 60000, days_past_due=-5)
    grant_line(second, 50000, currency="EUR")
    (usd, eur) = dashboard_metrics().exposure  # the largest book first
    assert (usd.currency_code, usd.accounts, usd.credit_lines, usd.exposure, usd.available) == (
        "USD", 2, 400000, 60000, 340000,
    )  # fmt: skip
    assert usd.utilization == 0.15
    assert (eur.currency_code, eur.exposure, eur.utilization) == ("EUR", 0, 0.0)


def test_aging_buckets_outstanding_used_credit_by_days_past_due():
    customer = CustomerFactory()
    grant_line(customer, 10_000_000)
    late = [(1000, -3), (2000, 0), (3000, 1), (4000, 15), (5000, 16), (6000, 30), (7000, 31), (8000, 61)]
    completed_purchases(
        customer,
        [
            *((amount, days, 0) for amount, days in late),
            (9000, 40, 9000),  # repaid: not outstanding
            (10000, 90, 4000),  # partly repaid: 6000 left
        ],
    )
    (usd,) = dashboard_metrics().aging
    assert [(bucket.label, bucket.amount, bucket.transactions) for bucket in usd.buckets] == [
        ("current", 1000 + 2000, 2),
        ("1-15", 3000 + 4000, 2),
        ("16-30", 5000 + 6000, 2),
        ("31-60", 7000, 1),
        ("60+", 8000 + 6000, 2),
    ]
    assert (usd.total, usd.past_due) == (42000, 39000)


def test_review_queue_counts_referred_checks_and_the_oldest_wait():
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # a Thursday
    for hours in (2, 30):
        referred_check(requested_at=now - timedelta(hours=hours))
    customer_with_credit_status("pending")  # waiting for the engine
    reviews = dashboard_metrics(now=now).reviews
    assert (reviews.pending_reviews, reviews.awaiting_engine) == (2, 1)
    assert reviews.oldest_wait == timedelta(hours=30)
    assert reviews.over_target


def test_a_friday_evening_request_is_not_late_on_monday_morning():
    friday_evening = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    referred_check(requested_at=friday_evening)
    monday_morning = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    reviews = dashboard_metrics(now=monday_morning).reviews
    assert reviews.oldest_wait == timedelta(days=2, hours=15)
    assert not reviews.over_target


@pytest.mark.parametrize(
    ("requested", "due"),
    [
        (datetime(2026, 3, 4, 10, 30, tzinfo=UTC), datetime(2026, 3, 5, 10, 30, tzinfo=UTC)),  # Wed → Thu
        (datetime(2026, 3, 6, 17, 0, tzinfo=UTC), datetime(2026, 3, 9, 17, 0, tzinfo=UTC)),  # Fri → Mon
        (datetime(2026, 3, 7, 10, 0, tzinfo=UTC), datetime(2026, 3, 10, 0, 0, tzinfo=UTC)),  # Sat: clock from Mon 0:00
        (datetime(2026, 3, 8, 23, 0, tzinfo=UTC), datetime(2026, 3, 10, 0, 0, tzinfo=UTC)),  # Sun, the same
    ],
)
def test_a_review_is_due_one_business_day_after_the_request(requested, due):
    assert review_due_at(requested) == due


def test_empty_book_has_no_queue_alarm():
    reviews = dashboard_metrics().reviews
    assert (reviews.pending_reviews, reviews.oldest_wait, reviews.over_target) == (0, None, False)


def test_dashboard_page_shows_the_figures(client_as):
    customer = approved_customer(limit=1_000_000)
    completed_purchase(customer, 250_000, days_past_due=20)
    html = client_as("viewer").get(reverse("staff:dashboard")).content.decode()
    assert "25.0 % of lines in use" in html
    assert "2,500.00 USD past due" in html
    assert "Queue is clear" in html


def test_dashboard_query_count_is_fixed(client_as):
    viewer = client_as("viewer")

    def count():
        with CaptureQueriesContext(connection) as queries:
            viewer.get(reverse("staff:dashboard"))
        return len(queries)

    # A book with credit used (an empty one skips reading the customers of no top exposure).
    completed_purchase(approved_customer(limit=100_000), 1000, days_past_due=3)
    baseline = count()
    for currency in ("USD", "EUR", "CAD"):
        customer = CustomerFactory()
        grant_line(customer, 100000, currency=currency)
        completed_purchase(customer, 1000, days_past_due=3, currency=currency)
    assert count() == baseline


def test_share_bars_stay_readable_when_one_group_dwarfs_the_others():
    bars = share_bars([("a", "A", 99_990), ("b", "B", 7), ("c", "C", 0), ("d", "D", 3)])
    assert [bar.share for bar in bars] == [">99 %", "<1 %", "0 %", "<1 %"]
    # A non-zero group keeps a visible sliver; an empty one has none.
    assert [bar.width for bar in bars] == [99.99, 0.8, 0.0, 0.8]


@pytest.mark.parametrize(
    ("value", "total", "text"),
    [(0, 0, "0 %"), (0, 10, "0 %"), (1, 3_000, "<1 %"), (1, 3, "33 %"), (3, 3, "100 %"), (2_999, 3_000, ">99 %")],
)
def test_a_share_never_reads_zero_for_a_group_that_has_members(value, total, text):
    assert share_text(value, total) == text


def test_dashboard_shows_each_credit_status_as_a_bar_with_its_share(client_as):
    for _ in range(3):
        CustomerFactory()
    customer_with_credit_status("hold")
    html = client_as("viewer").get(reverse("staff:dashboard")).content.decode()
    assert re.search(r">Hold</a>\s*<span class=\"share-value\">1 <span class=\"muted small\">\(25 %\)</span>", html)
    assert "(0 %)" in html  # the statuses nobody is in
    assert 'class="donut' not in html


def test_columns_scale_to_the_largest_value_and_keep_small_ones_visible():
    bars = column_chart([("a", "A", 100), ("b", "B", 50), ("c", "C", 0), ("d", "D", 1)], width=100, height=100, gap=0)
    assert [(bar.x, bar.height) for bar in bars] == [(0, 100), (25, 50), (50, 0), (75, 1.5)]
    assert bars[1].y == 50


def test_stacked_bar_of_nothing_is_empty_not_a_division_error():
    assert [segment.width for segment in stacked_bar([("a", "A", 0), ("b", "B", 0)])] == [0, 0]


def test_dashboard_lists_the_top_exposures_each_linking_to_its_customer(client_as):
    big = approved_customer(limit=10_000_000, name="Bluebird Looms")
    small = approved_customer(limit=10_000_000, name="Acme Yarns")
    completed_purchase(big, 1_234_567, days_past_due=-10)
    completed_purchase(small, 5_000, days_past_due=-10)
    html = client_as("viewer").get(reverse("staff:dashboard")).content.decode()
    section = html[html.index('id="top-exposures-title"') :]
    assert "Per currency, the 10 customers with the most credit used" in section
    rows = re.findall(r'<a href="([^"]+)">([^<]+)</a></td><td class="num" data-label="Used">([^<]+)<', section)
    assert rows == [
        (reverse("staff:customer_detail", args=[big.id]), "Bluebird Looms", "12,345.67"),
        (reverse("staff:customer_detail", args=[small.id]), "Acme Yarns", "50.00"),
    ]


def test_dashboard_charts_the_credit_used_of_the_last_90_days_with_its_figures_in_text(client_as):
    customer = approved_customer(limit=10_000_000)
    completed_purchase(customer, 250_000, days_past_due=-20, repaid=50_000)
    html = client_as("viewer").get(reverse("staff:dashboard")).content.decode()
    section = html[html.index('id="credit-used-title"') :]
    assert "Credit used over the last 90 days" in section
    assert "From the ledger" in section
    chart = re.search(
        r'<svg class="chart columns used-history"[^>]*role="img"[^>]*>\s*<title id="[^"]+">([^<]+)</title>', section
    )
    assert chart and "2,000.00 USD today" in chart.group(1)
    assert section.count('<rect class="bar used"') == 90
    # The figures by day: today used 2,500.00, repaid 500.00, net +2,000.00 (the purchase and its repayment).
    cells = re.findall(r'<td class="num" data-label="[^"]+">([^<]+)</td>', section)
    assert cells[:4] == ["2,500.00", "500.00", "+2,000.00", "2,000.00"]
    assert "250000" not in section and "200000" not in section
