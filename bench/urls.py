from django.urls import path
from rest_framework.routers import SimpleRouter

from bench import views

router = SimpleRouter(trailing_slash=False)
router.register("naive/customers", views.NaiveCustomerViewSet, basename="naive-customers")

urlpatterns = [
    path("floor/customers", views.floor_list),
    path("floor/customers/create", views.floor_create),
    path("floor/customers/<str:customer_id>", views.floor_get),
    path("floor/customers/<str:customer_id>/reserve", views.floor_reserve),
    path("floor/staff", views.FloorStaffPage.as_view()),
    path("unindexed/customers", views.unindexed_search),
    path("unindexed/customers/page-only", views.unindexed_search_page_only),
    *router.urls,
]
