"""/api/v1 routes of customers: customers, their users and payment methods."""

from django.urls import path

from customers.api import views

urlpatterns = [
    path("customers", views.CustomerListView.as_view(), name="api-customers"),
    path("customers/<str:customer_id>", views.CustomerDetailView.as_view(), name="api-customer"),
    path("customers/<str:customer_id>/restore", views.CustomerRestoreView.as_view(), name="api-customer-restore"),
    path("customers/<str:customer_id>/enroll", views.CustomerEnrollView.as_view(), name="api-customer-enroll"),
    path("customers/<str:customer_id>/users", views.CustomerUserListView.as_view(), name="api-customer-users"),
    path(
        "customers/<str:customer_id>/users/<str:user_id>",
        views.CustomerUserDetailView.as_view(),
        name="api-customer-user",
    ),
    path(
        "customers/<str:customer_id>/payment-methods",
        views.PaymentMethodListView.as_view(),
        name="api-payment-methods",
    ),
    path(
        "customers/<str:customer_id>/payment-methods/<str:payment_method_id>",
        views.PaymentMethodDetailView.as_view(),
        name="api-payment-method",
    ),
    path(
        "customers/<str:customer_id>/payment-methods/<str:payment_method_id>/default",
        views.PaymentMethodDefaultView.as_view(),
        name="api-payment-method-default",
    ),
]
