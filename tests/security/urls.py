"""The site's URLconf plus two views that raise a database error carrying SQL, to see what a failure shows under
production settings. Used only by tests/security/production_settings.py."""

from django.db import connection
from django.urls import path

from config import urls as site_urls
from core.api.views import ApiView
from core.models import Scope
from core.staff.access import Capability, StaffView

FAILING_SQL = "SELECT secret_column FROM table_that_does_not_exist"


def run_failing_sql():
    with connection.cursor() as cursor:
        cursor.execute(FAILING_SQL)


class FailingApiView(ApiView):
    read_scope = Scope.CUSTOMERS_READ

    def get(self, request):
        run_failing_sql()


class FailingStaffView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        run_failing_sql()


urlpatterns = [
    path("api/v1/failing", FailingApiView.as_view()),
    path("staff/failing", FailingStaffView.as_view()),
    *site_urls.urlpatterns,
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
