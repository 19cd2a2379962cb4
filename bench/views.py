"""Baselines for the benchmark, served only when BENCH_MODE is on (never in production URLs).

- floor: bare Django views running the same queries as the API and returning the same JSON, with no framework
  layers (no DRF, no auth, no throttling, no idempotency, no validation). The best the API could possibly do.
- FloorStaffPage: the same for the staff pages: an empty page in the staff layout, signed in.
- naive: the tutorial DRF implementation (ModelViewSet, ModelSerializer, PageNumberPagination with OFFSET).
"""

import json
import uuid

from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from rest_framework import pagination, serializers, viewsets

from core.actors import Actor
from core.events import event_record
from core.models import EventType
from core.staff.access import Capability, StaffView
from customers.filters import customer_search
from customers.models import Customer
from customers.presenters import customer_to_dict
from customers.selectors import customer_queryset


def _envelope(data, **meta) -> JsonResponse:
    return JsonResponse({"data": data, "meta": {"request_id": str(uuid.uuid4()), **meta}})


def floor_list(request):
    per_page = int(request.GET.get("per_page", 50))
    queryset = customer_queryset().filter(status="active")
    if after := request.GET.get("after"):
        queryset = queryset.filter(id__gt=after)
    if term := request.GET.get("search"):
        queryset = customer_search(queryset, term)
    rows = list(queryset.order_by("id")[: per_page + 1])
    items = rows[:per_page]
    return _envelope(
        [customer_to_dict(customer) for customer in items],
        pagination={
            "per_page": per_page,
            "has_more": len(rows) > per_page,
            "end_cursor": items[-1].id if items else None,
        },
    )


_UNINDEXED_MATCH = (
    "status = 'active' AND (name ILIKE %s OR legal_name ILIKE %s OR email ILIKE %s OR external_id ILIKE %s)"
)


def _unindexed_page(pattern: str) -> list[str]:
    with connection.cursor() as cursor:
        sql = f"SELECT id FROM customers_customer WHERE {_UNINDEXED_MATCH} ORDER BY id LIMIT 51"
        cursor.execute(sql, [pattern] * 4)
        return [row[0] for row in cursor.fetchall()]


def unindexed_search(request):
    """The API's search answer (the first 50 matches by id and `estimated_total`) computed with plain ILIKE over the
    columns, which no index serves: the scans the trigram index saves. Like the API, the total is counted exactly,
    capped at 10,001, unless the first page is also the last."""
    pattern = f"%{request.GET['search']}%"
    ids = _unindexed_page(pattern)
    total = len(ids)
    if total > 50:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM customers_customer WHERE {_UNINDEXED_MATCH} LIMIT 10001) AS m",
                [pattern] * 4,
            )
            total = cursor.fetchone()[0]
    customers = customer_queryset().filter(id__in=ids[:50]).order_by("id")
    return _envelope([customer_to_dict(customer) for customer in customers], estimated_total=total)


def unindexed_search_page_only(request):
    """Only the page, no total: ordered by id with a LIMIT, the scan stops at the 51st match, so for a common term
    it reads a small part of the table. Reported beside the other, not the API's answer."""
    ids = _unindexed_page(f"%{request.GET['search']}%")
    customers = customer_queryset().filter(id__in=ids[:50]).order_by("id")
    return _envelope([customer_to_dict(customer) for customer in customers])


def floor_get(request, customer_id: str):
    customer = customer_queryset().filter(pk=customer_id).first()
    if customer is None:
        return JsonResponse({"error": {"code": "not_found"}}, status=404)
    return _envelope(customer_to_dict(customer))


@csrf_exempt
def floor_create(request):
    """The API create's statements, no more: the customer's INSERT and its customer.created event's, in one
    transaction (the audit trail is part of a create, not a framework layer)."""
    body = json.loads(request.body)
    with transaction.atomic():
        customer = Customer(**body)
        customer.save()
        data = customer_to_dict(customer, new=True)
        event_record(event_type=EventType.CUSTOMER_CREATED, data=data, actor=Actor.system(), customer_id=customer.id)
    return JsonResponse({"data": data, "meta": {"request_id": str(uuid.uuid4())}}, status=201)


@csrf_exempt
def floor_reserve(request, customer_id: str):
    """The same money movement as billing a credit transaction, as one conditional UPDATE (no ledger, no events),
    on the scratch copy `bench/run.py` makes of the customer's balance."""
    amount = int(json.loads(request.body)["amount"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bench_floor_balance SET available = available - %s, reserved = reserved + %s "
            "WHERE customer_id = %s AND currency_code = 'USD' AND available >= %s",
            [amount, amount, customer_id, amount],
        )
        reserved = cursor.rowcount == 1
    return HttpResponse(status=201 if reserved else 422)


class NaiveCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = "__all__"


class NaivePagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "per_page"
    max_page_size = 200


class NaiveCustomerViewSet(viewsets.ModelViewSet):
    queryset = Customer.objects.filter(status="active").order_by("id")
    serializer_class = NaiveCustomerSerializer
    pagination_class = NaivePagination
    authentication_classes: list = []
    permission_classes: list = []


class FloorStaffPage(StaffView):
    """The staff pages' floor: a signed-in staff page with the app's layout and nothing in it (session, user, roles,
    navigation, CSP). A staff page's time over this one is what its own queries and rendering cost."""

    capability = Capability.VIEW

    def get(self, request):
        return render(request, "base.html", {})
