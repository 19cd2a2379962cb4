"""Public routes of credit (no login): the net-terms enrollment page, reached by its signed link."""

from django.urls import path

from credit import views

app_name = "credit"

# Public pages (no login). The path matches credit.enrollment.ENROLLMENT_PATH.
urlpatterns = [
    path("enroll/<str:token>", views.enrollment_page, name="enrollment"),
]
