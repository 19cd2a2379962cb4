"""Staff URLs for credit: the dashboard, a customer's credit pages and actions, and the review queue (composed into the
`staff` namespace by config/staff_urls.py)."""

from django.urls import path

from credit.staff import collections as collection_views
from credit.staff import dashboard
from credit.staff import notes as note_views
from credit.staff import purchases as purchase_views
from credit.staff import reviews as review_views
from credit.staff import statements as statement_views
from credit.staff import views as staff_views

urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="dashboard"),
    path("reviews", review_views.ReviewQueueView.as_view(), name="review_queue"),
    path("reviews/<str:check_id>", review_views.ReviewCheckView.as_view(), name="review_check"),
    path("reviews/<str:check_id>/approve", review_views.ReviewApproveView.as_view(), name="review_approve"),
    path("reviews/<str:check_id>/decline", review_views.ReviewDeclineView.as_view(), name="review_decline"),
    path(
        "customers/<str:customer_id>/decisions", staff_views.CustomerDecisionsView.as_view(), name="customer_decisions"
    ),
    path(
        "customers/<str:customer_id>/purchases",
        staff_views.CustomerCreditTransactionsView.as_view(),
        name="customer_credit_transactions",
    ),
    path("collections", collection_views.CollectionsView.as_view(), name="collections"),
    path("collections/follow-ups", collection_views.FollowUpsView.as_view(), name="collections_follow_ups"),
    path("purchases", purchase_views.PurchaseListView.as_view(), name="purchase_list"),
    path(
        "customers/<str:customer_id>/purchases/new",
        purchase_views.PurchaseBillView.as_view(),
        name="customer_purchase_bill",
    ),
    path(
        "customers/<str:customer_id>/purchases/<str:transaction_id>/complete",
        purchase_views.PurchaseCompleteView.as_view(),
        name="customer_purchase_complete",
    ),
    path(
        "customers/<str:customer_id>/purchases/<str:transaction_id>/cancel",
        purchase_views.PurchaseCancelView.as_view(),
        name="customer_purchase_cancel",
    ),
    path(
        "customers/<str:customer_id>/purchases/<str:transaction_id>/repay",
        purchase_views.PurchaseRepayView.as_view(),
        name="customer_purchase_repay",
    ),
    path(
        "customers/<str:customer_id>/collections-owner",
        collection_views.CollectionsOwnerView.as_view(),
        name="customer_collections_owner",
    ),
    path("customers/<str:customer_id>/notes/new", note_views.CustomerNoteAddView.as_view(), name="customer_note_add"),
    path("customers/<str:customer_id>/ledger", staff_views.CustomerLedgerView.as_view(), name="customer_ledger"),
    path(
        "customers/<str:customer_id>/statement",
        statement_views.CustomerStatementView.as_view(),
        name="customer_statement",
    ),
    path(
        "customers/<str:customer_id>/credit/check",
        staff_views.CreditCheckRequestView.as_view(),
        name="customer_credit_check",
    ),
    path(
        "customers/<str:customer_id>/credit/approve",
        staff_views.CreditDirectApproveView.as_view(),
        name="customer_credit_approve",
    ),
    path("customers/<str:customer_id>/credit/line", staff_views.CreditLineView.as_view(), name="customer_credit_line"),
    path(
        "customers/<str:customer_id>/credit/lines/new",
        staff_views.CreditLineGrantView.as_view(),
        name="customer_credit_line_grant",
    ),
    path(
        "customers/<str:customer_id>/credit/lines/<str:currency_code>/close",
        staff_views.CreditLineCloseView.as_view(),
        name="customer_credit_line_close",
    ),
    path("customers/<str:customer_id>/credit/hold", staff_views.CreditHoldView.as_view(), name="customer_credit_hold"),
    path(
        "customers/<str:customer_id>/credit/deactivate",
        staff_views.CreditDeactivateView.as_view(),
        name="customer_credit_deactivate",
    ),
    path(
        "customers/<str:customer_id>/credit/enrollment-link",
        staff_views.NetTermsEnrollmentRenewView.as_view(),
        name="customer_net_terms_enrollment",
    ),
    path(
        "customers/<str:customer_id>/credit/reinstate",
        staff_views.CreditReinstateView.as_view(),
        name="customer_credit_reinstate",
    ),
]
