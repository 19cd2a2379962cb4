"""Staff URLs for customers and imports (composed into the `staff` namespace by config/staff_urls.py)."""

from django.urls import path

from customers.staff import imports as import_views
from customers.staff import views

urlpatterns = [
    path("customers", views.CustomerListView.as_view(), name="customer_list"),
    path("customers/export.csv", views.CustomerExportView.as_view(), name="customer_export"),
    path("customers/new", views.CustomerCreateView.as_view(), name="customer_create"),
    path("customers/<str:customer_id>", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("customers/<str:customer_id>/edit", views.CustomerEditView.as_view(), name="customer_edit"),
    path("customers/<str:customer_id>/archive", views.CustomerArchiveView.as_view(), name="customer_archive"),
    path("customers/<str:customer_id>/restore", views.CustomerRestoreView.as_view(), name="customer_restore"),
    path("customers/<str:customer_id>/events", views.CustomerEventsView.as_view(), name="customer_events"),
    path(
        "customers/<str:customer_id>/documents/<str:document>.json",
        views.CustomerDocumentView.as_view(),
        name="customer_document",
    ),
    path(
        "customers/<str:customer_id>/events/<str:event_id>.json",
        views.CustomerEventPayloadView.as_view(),
        name="customer_event_payload",
    ),
    path("customers/<str:customer_id>/users/new", views.CustomerUserCreateView.as_view(), name="customer_user_create"),
    path(
        "customers/<str:customer_id>/payment-methods/new",
        views.PaymentMethodCreateView.as_view(),
        name="payment_method_create",
    ),
    path(
        "customers/<str:customer_id>/payment-methods/<str:method_id>/default",
        views.PaymentMethodDefaultView.as_view(),
        name="payment_method_default",
    ),
    path(
        "customers/<str:customer_id>/payment-methods/<str:method_id>/delete",
        views.PaymentMethodDeleteView.as_view(),
        name="payment_method_delete",
    ),
    path("imports", import_views.ImportListView.as_view(), name="import_list"),
    path("imports/new", import_views.ImportCreateView.as_view(), name="import_create"),
    path("imports/template.csv", import_views.ImportTemplateView.as_view(), name="import_template"),
    path("imports/<str:import_id>", import_views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<str:import_id>/status", import_views.ImportStatusView.as_view(), name="import_status"),
]
