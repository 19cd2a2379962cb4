"""Staff download of a customer's monthly statement (credit.statements, rendered by credit.statement_documents): the
month, currency and format from the query string; a bad choice answers the form with its errors (400)."""

from django.http import HttpResponse
from django.shortcuts import render

from core.staff.access import Capability, StaffView
from credit.staff.forms import StatementForm
from credit.statement_documents import statement_file
from credit.statements import current_month, month_key, statement_currencies
from customers.selectors import customer_get


class CustomerStatementView(StaffView):
    """Readers download statements as they export CSV (the `view` capability: viewers and every role above)."""

    capability = Capability.VIEW

    def get(self, request, customer_id: str):
        customer = customer_get(customer_id=customer_id)
        currencies = statement_currencies(customer=customer)
        if not request.GET:
            initial = {"month": month_key(current_month()), "currency": currencies[0] if currencies else None}
            form = StatementForm(initial=initial, currencies=currencies)
            return self.answer(request, customer, form, currencies)
        form = StatementForm(request.GET, currencies=currencies)
        if not form.is_valid():
            return self.answer(request, customer, form, currencies, status=400)
        data = form.cleaned_data
        document = statement_file(
            customer=customer, currency_code=data["currency"], month=data["month"], file_format=data["format"]
        )
        response = HttpResponse(document.content, content_type=document.content_type)
        response["Content-Disposition"] = f'attachment; filename="{document.file_name}"'
        response["Cache-Control"] = "private, no-store"
        return response

    def answer(self, request, customer, form, currencies, *, status: int = 200):
        context = {"customer": customer, "form": form, "currencies": currencies}
        return render(request, "credit/staff/statement.html", context, status=status)
