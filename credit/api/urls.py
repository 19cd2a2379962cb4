"""/api/v1 routes of credit, under /customers/{id}: credit checks, balances, decisions, transactions, the ledger."""

from django.urls import path

from credit.api import views

TRANSACTION = "customers/<str:customer_id>/credit-transactions/<str:credit_transaction_id>"
LINE = "customers/<str:customer_id>/credit-lines/<str:currency_code>"

urlpatterns = [
    path("customers/<str:customer_id>/credit-check", views.CreditCheckView.as_view(), name="api-credit-check"),
    path(
        "customers/<str:customer_id>/net-terms-enrollment",
        views.NetTermsEnrollmentView.as_view(),
        name="api-net-terms-enrollment",
    ),
    path(
        "customers/<str:customer_id>/credit-balances",
        views.CreditBalanceListView.as_view(),
        name="api-credit-balances",
    ),
    path("customers/<str:customer_id>/credit-lines", views.CreditLineListView.as_view(), name="api-credit-lines"),
    path(LINE, views.CreditLineDetailView.as_view(), name="api-credit-line"),
    path(f"{LINE}/close", views.CreditLineCloseView.as_view(), name="api-credit-line-close"),
    path(
        "customers/<str:customer_id>/credit-decisions",
        views.CreditDecisionListView.as_view(),
        name="api-credit-decisions",
    ),
    path(
        "customers/<str:customer_id>/credit-transactions",
        views.CreditTransactionListView.as_view(),
        name="api-credit-transactions",
    ),
    path(TRANSACTION, views.CreditTransactionDetailView.as_view(), name="api-credit-transaction"),
    path(
        f"{TRANSACTION}/complete", views.CreditTransactionCompleteView.as_view(), name="api-credit-transaction-complete"
    ),
    path(f"{TRANSACTION}/cancel", views.CreditTransactionCancelView.as_view(), name="api-credit-transaction-cancel"),
    path(f"{TRANSACTION}/repayments", views.CreditRepaymentListView.as_view(), name="api-credit-repayments"),
    path("customers/<str:customer_id>/ledger", views.LedgerEntryListView.as_view(), name="api-ledger"),
]
