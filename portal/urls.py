"""The buyer portal's routes, under /portal/ and the `portal` namespace. A new page: a view decorated with
portal.access.portal_page, a route here, an entry in portal.navigation.NAV."""

from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in", views.sign_in, name="sign_in"),
    path("sign-in/sent", views.sign_in_sent, name="sign_in_sent"),
    # The path of portal.selectors.LINK_PATH.
    path("sign-in/<str:token>", views.sign_in_link, name="sign_in_link"),
    path("sign-out", views.sign_out, name="sign_out"),
    path("overview", views.overview, name="overview"),
    path("purchases", views.purchases, name="purchases"),
    path("purchases/<str:purchase_id>", views.purchase_detail, name="purchase_detail"),
    path("statements", views.statements, name="statements"),
    # /portal/statements/2026-11/USD.pdf (or .csv)
    path(
        "statements/<str:month>/<str:currency>.<str:file_format>", views.statement_download, name="statement_download"
    ),
    path("enrollment", views.enrollment, name="enrollment"),
    path("enrollment/accept", views.enrollment_accept, name="enrollment_accept"),
    path("payment-methods", views.payment_methods, name="payment_methods"),
    path("payment-methods/<str:method_id>/default", views.payment_method_default, name="payment_method_default"),
    path("payment-methods/<str:method_id>/remove", views.payment_method_remove, name="payment_method_remove"),
    path("users", views.users, name="users"),
    path("users/invite", views.user_invite, name="user_invite"),
    path("users/<str:user_id>/remove", views.user_remove, name="user_remove"),
]
