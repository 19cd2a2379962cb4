"""Staff pages for bulk CSV imports: upload, progress (a small JSON status polled by the page), row error report."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.staff.access import Capability, StaffView
from core.text import code_label
from customers.imports import customer_import_create
from customers.models import CustomerImport
from customers.selectors import customer_import_get, customer_import_list
from customers.services import CUSTOMER_WRITABLE_FIELDS
from customers.staff.forms import CustomerImportForm

ROW_ERRORS_SHOWN = 500
# The columns of the empty CSV offered to fill in a spreadsheet: the usual ones, in a spreadsheet's order.
TEMPLATE_COLUMNS = (
    "email",
    "name",
    "legal_name",
    "external_id",
    "ein",
    "street_address",
    "city",
    "state",
    "postal_code",
    "country",
    "default_terms",
    "marketing_consent",
)


def import_status(customer_import: CustomerImport) -> dict:
    return {
        "id": customer_import.id,
        "status": customer_import.status,
        "outcome": customer_import.outcome,
        "outcome_label": code_label(customer_import.outcome),
        "total_rows": customer_import.total_rows,
        "processed_rows": customer_import.processed_rows,
        "created_count": customer_import.created_count,
        "error_count": customer_import.error_count,
        "percent": customer_import.percent,
        "finished": customer_import.is_finished,
    }


def _render_list(request, form: CustomerImportForm):
    context = {
        "imports": customer_import_list()[:50],
        "form": form,
        "columns": CUSTOMER_WRITABLE_FIELDS,
    }
    return render(request, "customers/imports.html", context)


class ImportListView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        return _render_list(request, CustomerImportForm())


class ImportCreateView(StaffView):
    capability = Capability.CUSTOMERS_WRITE

    def get(self, request):
        return redirect("staff:import_list")

    def post(self, request):
        form = CustomerImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                customer_import = customer_import_create(
                    file_name=upload.name, content=upload.read(), created_by=request.user
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect("staff:import_detail", import_id=customer_import.id)
        return _render_list(request, form)


class ImportDetailView(StaffView):
    capability = Capability.VIEW

    def get(self, request, import_id: str):
        customer_import = customer_import_get(import_id=import_id)
        row_errors = list(customer_import.row_errors.all()[:ROW_ERRORS_SHOWN])
        context = {
            "import": customer_import,
            "row_errors": row_errors,
            "row_errors_truncated": len(row_errors) == ROW_ERRORS_SHOWN,
            "status_url": reverse("staff:import_status", args=[customer_import.id]),
        }
        return render(request, "customers/import_detail.html", context)


class ImportStatusView(StaffView):
    capability = Capability.VIEW

    def get(self, request, import_id: str):
        response = JsonResponse(import_status(customer_import_get(import_id=import_id)))
        response["Cache-Control"] = "no-store"
        return response


class ImportTemplateView(StaffView):
    """An empty CSV with the usual columns, to fill in a spreadsheet."""

    capability = Capability.VIEW

    def get(self, request):
        response = HttpResponse(",".join(TEMPLATE_COLUMNS) + "\r\n", content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="customers-template.csv"'
        return response
