"""Payment reminders through the suite's real SMTP server: which step a purchase is at on a day, what arrives (once per
purchase, step and user, with a working portal link and a working opt-out link), what a late or repeated run sends,
who opted out, and the SMTP server being down. Tasks run in this process (`eager_tasks`)."""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.email.dispatch import email_outbox_sweep
from core.models import Event, OutboundEmail
from credit.reminders import (
    OPT_OUT_MAX_AGE,
    ScheduleError,
    StepWindow,
    check_reminder_schedule,
    opt_out_token,
    parse_schedule,
    step_windows,
)
from credit.selectors import purchases_outstanding_due_between
from credit.services import credit_transaction_bill, credit_transaction_complete, credit_transaction_repay, notices
from credit.services.notices import payment_reminders_send
from customers.models import CustomerUser, CustomerUserStatus
from customers.services import customer_archive
from tests.credit.builders import API, approved_customer
from tests.factories import CustomerUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
BASE = "https://credit.example.com"
ACTOR = API


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE
    settings.CREDIT_REMINDER_DAYS = "-3,0,1,7,14"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def customer(clock):
    customer = approved_customer(terms="net30", name="Acme Tools")
    CustomerUserFactory(customer=customer, email="ada@acme.example", first_name="Ada")
    CustomerUserFactory(customer=customer, email="bob@acme.example", first_name="Bob", payment_reminders=False)
    CustomerUserFactory(customer=customer, email="gone@acme.example", status=CustomerUserStatus.ARCHIVED)
    return customer


def purchase(customer, *, due_in_days: int, amount: int = 125_050, reference: str = "INV-1001"):
    """A net 30 purchase completed so that it falls due `due_in_days` from now (negative: already past due)."""
    completed_at = NOW - timedelta(days=30 - due_in_days)
    billed = credit_transaction_bill(
        customer=customer,
        actor=API,
        amount=amount,
        currency_code="USD",
        reference=reference,
        billed_at=completed_at - timedelta(days=1),
    )
    return credit_transaction_complete(credit_transaction=billed, actor=API, completed_at=completed_at)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """The reminder run of `today`, its emails' send tasks run as they commit."""

    def run(today: date = TODAY) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return payment_reminders_send(today=today, actor=ACTOR)

    return run


def keys() -> list[str]:
    return sorted(OutboundEmail.objects.values_list("key", flat=True).filter(key__startswith="reminder:"))


# --- the schedule -----------------------------------------------------------------------------------------------


def test_the_schedule_is_read_sorted_from_the_setting():
    assert parse_schedule(" 14, -3,0 ,1,7") == (-3, 0, 1, 7, 14)
    assert parse_schedule("") == ()
    assert parse_schedule([7, 1]) == (1, 7)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-3,soon", "'soon' is not a whole number of days."),
        ("1,1", "A day appears twice."),
        ("1,400", "Every day is between -60 and 365 (days from the due date)."),
        ([1, "7"], "Every step is a whole number of days."),
        ([True], "Every step is a whole number of days."),
    ],
)
def test_a_bad_schedule_is_refused_with_what_is_wrong(value, message):
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_schedule(value)


def test_a_bad_schedule_stops_the_start_up_with_a_system_check_error(settings):
    settings.CREDIT_REMINDER_DAYS = "3,x"
    (error,) = check_reminder_schedule()
    assert (error.id, error.level) == ("credit.E001", checks.ERROR)
    assert "CREDIT_REMINDER_DAYS is not valid: 'x' is not a whole number of days." in error.msg
    settings.CREDIT_REMINDER_DAYS = "-3,0"
    assert check_reminder_schedule() == []


def test_manage_py_check_runs_the_schedule_check(settings):
    settings.CREDIT_REMINDER_DAYS = "7,7"
    with pytest.raises(SystemCheckError, match=r"credit.E001.*A day appears twice"):
        call_command("check")


def test_each_step_covers_the_due_dates_from_reaching_it_to_the_next_step_or_the_catch_up_limit():
    today = date(2026, 3, 10)
    windows = step_windows(today=today, schedule=(-3, 0, 1, 7, 14))
    assert windows == [
        StepWindow(-3, date(2026, 3, 11), date(2026, 3, 13)),  # due in 1 to 3 days
        StepWindow(0, date(2026, 3, 10), date(2026, 3, 10)),  # due today
        StepWindow(1, date(2026, 3, 6), date(2026, 3, 9)),  # 1 to 4 days past due (the next step comes at 7)
        StepWindow(7, date(2026, 2, 28), date(2026, 3, 3)),  # 7 to 10 days past due
        StepWindow(14, date(2026, 2, 21), date(2026, 2, 24)),  # 14 to 17: the last step, caught up for 3 days
    ]


# --- what arrives -----------------------------------------------------------------------------------------------


def test_a_reminder_three_days_before_the_due_date_arrives_once_to_each_user_who_did_not_opt_out(
    customer, run, mailbox
):
    tx = purchase(customer, due_in_days=3)

    assert run() == {"purchases": 1, "queued": 1, "failed": 0}

    (received,) = mailbox.wait_for(1)
    assert received.rcpt_tos == ["ada@acme.example"]  # not Bob (opted out), not the archived user
    message = received.message
    assert message["Subject"] == "Payment reminder: INV-1001 is due in 3 days"
    text = received.part("plain")
    assert "Hello Ada," in text and "Acme Tools" in text
    assert "Purchase:           INV-1001" in text
    assert "Amount outstanding: 1,250.50 USD" in text
    assert "Due date:           March 13, 2026" in text
    assert f"{BASE}/portal/\n" in text
    html = received.part("html")
    assert "1,250.50 USD" in html and f'href="{BASE}/portal/"' in html
    assert keys() == [f"reminder:{tx.id}:-3:{CustomerUser.objects.get(email='ada@acme.example').id}"]


def test_a_past_due_reminder_says_how_many_days_past_due(customer, run, mailbox):
    purchase(customer, due_in_days=-7, reference="")

    run()

    (received,) = mailbox.wait_for(1)
    tx_id = OutboundEmail.objects.get().key.split(":")[1]
    assert received.message["Subject"] == f"Payment overdue: {tx_id} is 7 days past due"
    assert "Due date:           March 3, 2026 (7 days past due)" in received.part("plain")


def test_the_opt_out_link_shows_a_button_and_only_the_post_opts_the_user_out(customer, run, mailbox):
    purchase(customer, due_in_days=0)
    run()
    (received,) = mailbox.wait_for(1)
    unsubscribe = received.message["List-Unsubscribe"]
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = unsubscribe.strip("<>")
    assert link in received.part("plain") and link.startswith(f"{BASE}/reminders/opt-out/")
    path = urlsplit(link).path
    ada = CustomerUser.objects.get(email="ada@acme.example")
    browser = Client()  # no one signed in

    shown = browser.get(path)  # what a mail scanner following the link does
    assert shown.status_code == 200
    assert b"Stop payment reminders" in shown.content and b"ada@acme.example" in shown.content
    assert shown["Referrer-Policy"] == "same-origin"  # the token never leaves the site; its form's POST passes CSRF
    ada.refresh_from_db()
    assert ada.payment_reminders is True

    done = browser.post(path)
    assert done.status_code == 200 and b"Payment reminders stopped" in done.content
    ada.refresh_from_db()
    assert ada.payment_reminders is False
    event = Event.objects.get(event_type="customer_user.updated", customer_id=customer.id)
    assert (event.data["payment_reminders"], event.actor_id) == (False, ada.id)
    assert event.actor_label == "customer user ada@acme.example (reminder opt-out link)"
    assert browser.post(path).status_code == 200  # again: still opted out, nothing else happens
    assert Event.objects.filter(event_type="customer_user.updated").count() == 1

    purchase(customer, due_in_days=3, reference="INV-1002")
    assert run()["queued"] == 0  # nobody left to remind
    assert len(mailbox.messages) == 1


def test_a_forged_or_expired_opt_out_link_changes_nothing(customer, clock):
    ada = CustomerUser.objects.get(email="ada@acme.example")
    token = opt_out_token(ada.id)
    browser = Client()

    assert browser.post(f"/reminders/opt-out/{token[:-2]}xx").status_code == 404
    clock.shift(OPT_OUT_MAX_AGE + timedelta(seconds=1))
    expired = browser.post(f"/reminders/opt-out/{token}")

    assert expired.status_code == 410
    ada.refresh_from_db()
    assert ada.payment_reminders is True


def test_the_task_run_twice_sends_nothing_twice(customer, run, mailbox):
    purchase(customer, due_in_days=3)
    purchase(customer, due_in_days=-1, reference="INV-1002")

    first, second = run(), run()

    assert first == {"purchases": 2, "queued": 2, "failed": 0}
    assert second == {"purchases": 2, "queued": 0, "failed": 0}
    assert len(mailbox.wait_for(2)) == 2
    assert OutboundEmail.objects.count() == 2


def test_each_step_is_sent_on_its_day_and_the_days_between_send_nothing(customer, run, mailbox, clock):
    tx = purchase(customer, due_in_days=3)
    subjects = []
    for day in range(0, 20):
        today = TODAY + timedelta(days=day)
        clock.move_to(datetime.combine(today, NOW.timetz()))
        run(today)
    ada = CustomerUser.objects.get(email="ada@acme.example")
    assert keys() == sorted(f"reminder:{tx.id}:{step}:{ada.id}" for step in (-3, 0, 1, 7, 14))
    subjects = [message.message["Subject"] for message in mailbox.wait_for(5)]
    assert subjects == [
        "Payment reminder: INV-1001 is due in 3 days",
        "Payment due today: INV-1001",
        "Payment overdue: INV-1001 is 1 day past due",
        "Payment overdue: INV-1001 is 7 days past due",
        "Payment overdue: INV-1001 is 14 days past due",
    ]


def test_a_late_run_sends_the_latest_step_due_not_every_step_missed(customer, run, mailbox):
    tx = purchase(customer, due_in_days=-2)  # -3, 0 and 1 were reached while no run happened

    run()

    (received,) = mailbox.wait_for(1)
    assert received.message["Subject"] == "Payment overdue: INV-1001 is 2 days past due"
    assert [key.split(":")[2] for key in keys()] == ["1"]
    assert tx.id in keys()[0]


def test_a_step_older_than_the_catch_up_window_is_not_sent_any_more(customer, run, mailbox):
    purchase(customer, due_in_days=-18)  # the last step (14) was reached 4 days ago

    assert run()["queued"] == 0
    assert mailbox.messages == []


def test_repaid_purchases_and_archived_customers_get_no_reminder(customer, run, mailbox, clock):
    paid = purchase(customer, due_in_days=3)
    credit_transaction_repay(credit_transaction=paid, actor=API, amount=paid.amount)
    other = approved_customer(terms="net30")
    CustomerUserFactory(customer=other)
    purchase(other, due_in_days=3)
    customer_archive(customer=other, actor=API)

    assert run() == {"purchases": 0, "queued": 0, "failed": 0}
    assert mailbox.messages == []


def test_a_user_who_opted_in_again_gets_the_current_step(customer, run, mailbox):
    purchase(customer, due_in_days=0)
    run()
    CustomerUser.objects.filter(email="bob@acme.example").update(payment_reminders=True)

    assert run()["queued"] == 1

    assert sorted(message.rcpt_tos[0] for message in mailbox.wait_for(2)) == ["ada@acme.example", "bob@acme.example"]


def test_the_queries_of_a_run_do_not_grow_with_the_purchases_already_reminded(customer, run, mailbox):
    purchase(customer, due_in_days=3)
    run()
    with CaptureQueriesContext(connection) as few:
        run()
    for number in range(2, 8):
        purchase(customer, due_in_days=3, reference=f"INV-10{number:02d}", amount=1000)
    run()
    with CaptureQueriesContext(connection) as many:
        counts = run()

    assert counts == {"purchases": 7, "queued": 0, "failed": 0}
    assert len(many) == len(few)


def test_the_purchases_of_a_step_are_found_by_a_range_on_the_due_date_index(customer):
    queryset = purchases_outstanding_due_between(first_due=TODAY, last_due=TODAY + timedelta(days=3))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table: ask which index the planner can use
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    # An index range on the due date (which of the purchases' due-date indexes the planner picks is its choice).
    index_range = r"Index (Only )?Scan using \w+ on credit_credittransaction\s+\(.*\)\n\s+Index Cond: \(\(due_at >="
    assert re.search(index_range, plan)


# --- the SMTP server down ---------------------------------------------------------------------------------------


def test_with_the_smtp_server_down_a_reminder_is_kept_retried_and_sent_once(customer, run, mailbox):
    purchase(customer, due_in_days=3)
    mailbox.stop()

    run()
    run()  # the next hourly run meanwhile: nothing new queued

    email = OutboundEmail.objects.get()
    assert (email.status, email.attempt_count) == ("pending", 1)
    assert email.last_error.startswith("ConnectionRefusedError")
    mailbox.start()
    with time_machine.travel(email.next_attempt_at + timedelta(seconds=61), tick=False):
        assert email_outbox_sweep() == {"stalled": 1, "dispatched": 1}
        assert email_outbox_sweep() == {"stalled": 0, "dispatched": 0}
    (received,) = mailbox.wait_for(1)
    assert received.message["Subject"] == "Payment reminder: INV-1001 is due in 3 days"
    email.refresh_from_db()
    assert (email.status, email.attempt_count) == ("sent", 2)
    assert run()["queued"] == 0
    assert len(mailbox.messages) == 1


def test_a_reminder_that_cannot_be_queued_does_not_stop_the_others(customer, run, mailbox, monkeypatch):
    purchase(customer, due_in_days=3)
    purchase(customer, due_in_days=3, reference="INV-1002")
    real = notices.email_queue
    calls = []

    def refusing_first(**kwargs):
        calls.append(kwargs["key"])
        if len(calls) == 1:
            raise ValidationError({"template": "broken"})
        return real(**kwargs)

    monkeypatch.setattr(notices, "email_queue", refusing_first)

    assert run() == {"purchases": 2, "queued": 1, "failed": 1}
    assert len(mailbox.wait_for(1)) == 1


def test_the_opt_out_link_of_an_archived_customers_user_changes_nothing(customer):
    ada = CustomerUser.objects.get(email="ada@acme.example")
    customer_archive(customer=customer, actor=API)

    response = Client().post(f"/reminders/opt-out/{opt_out_token(ada.id)}")

    assert response.status_code == 409 and b"Nothing to stop" in response.content
    ada.refresh_from_db()
    assert ada.payment_reminders is True
