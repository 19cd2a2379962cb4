"""Public routes of credit (no login), each reached by a signed link: the net-terms enrollment page and the payment
reminders' opt-out page."""

from django.urls import path

from credit import views

app_name = "credit"

# Public pages (no login). The paths match credit.enrollment.ENROLLMENT_PATH and credit.reminders.OPT_OUT_PATH.
urlpatterns = [
    path("enroll/<str:token>", views.enrollment_page, name="enrollment"),
    path("reminders/opt-out/<str:token>", views.reminder_opt_out_page, name="reminder_opt_out"),
]
