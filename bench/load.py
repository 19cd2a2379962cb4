"""Bulk-load N realistic customers (with users, payment methods, balances and their ledger grants) with
PostgreSQL COPY: about a minute per million customers here, versus hours through the ORM one row at a time."""

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta

import psycopg
from ulid import ULID

PREFIX_A = [
    "Bright",
    "Blue",
    "Iron",
    "Silver",
    "Red",
    "Green",
    "North",
    "South",
    "Oak",
    "Pine",
    "Stone",
    "River",
    "Lake",
    "Sun",
    "Moon",
    "Star",
    "Eagle",
    "Fox",
    "Bear",
    "Wolf",
    "Cedar",
    "Maple",
    "Harbor",
    "Summit",
    "Granite",
    "Copper",
    "Golden",
    "Crystal",
    "Falcon",
    "Willow",
]
PREFIX_B = [
    "water",
    "field",
    "wood",
    "ridge",
    "gate",
    "view",
    "point",
    "crest",
    "brook",
    "stone",
    "light",
    "way",
    "land",
    "haven",
    "port",
    "vale",
    "mont",
    "shire",
    "ford",
    "wick",
]
INDUSTRY = [
    "Logistics",
    "Roasters",
    "Robotics",
    "Supply",
    "Builders",
    "Florists",
    "Dental",
    "Brewing",
    "Textiles",
    "Hardware",
    "Outfitters",
    "Print Works",
    "Marine",
    "Interiors",
    "Pharmacy",
    "Bakery",
    "Optics",
    "Electrical",
    "Farms",
    "Studios",
]
SUFFIX = ["LLC", "Inc.", "Co.", "Corp.", "Group"]
CITIES = [
    ("Chicago", "IL"),
    ("Austin", "TX"),
    ("Denver", "CO"),
    ("Seattle", "WA"),
    ("Boston", "MA"),
    ("Tampa", "FL"),
    ("Phoenix", "AZ"),
    ("Raleigh", "NC"),
    ("Portland", "OR"),
    ("Columbus", "OH"),
]

CUSTOMER_COLUMNS = (
    "id",
    "email",
    "name",
    "legal_name",
    "locale",
    "external_id",
    "ein",
    "street_address",
    "sub_premise",
    "city",
    "state",
    "postal_code",
    "country",
    "default_terms",
    "marketing_consent",
    "status",
    "archived_at",
    "search_document",
    "created_at",
    "updated_at",
)


def company_name(rng: random.Random, index: int) -> str:
    # ~12,000 distinct names: a search for one matches about N / 12,000 rows, like a real directory.
    return f"{rng.choice(PREFIX_A)}{rng.choice(PREFIX_B)} {rng.choice(INDUSTRY)} {index % 20}"


def new_id(prefix: str, moment: datetime) -> str:
    return f"{prefix}_{str(ULID.from_datetime(moment)).lower()}"


def load(database_url: str, count: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=3 * 365)
    step = timedelta(days=3 * 365) / max(count, 1)
    started = time.perf_counter()
    balances: list[tuple[str, str, int, datetime, str]] = []
    users: list[tuple[str, str, str, datetime]] = []
    methods: list[tuple[str, str, str, datetime]] = []
    with psycopg.connect(database_url, autocommit=False) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY customers_customer ({', '.join(CUSTOMER_COLUMNS)}) FROM STDIN") as copy:
            for index in range(count):
                moment = start + step * index
                customer_id = new_id("ctm", moment)
                name = company_name(rng, index)
                email = f"ap{index}@{name.split()[0].lower()}{index}.com"
                city, state = CITIES[index % len(CITIES)]
                archived = index % 10 == 9
                approved = index % 3 == 0 and not archived
                external_id = f"ERP-{index:07d}"
                ein = f"{10 + index % 89}-{1000000 + index % 8999999}"
                search = " ".join(
                    [name.lower(), f"{name} {SUFFIX[index % 5]}".lower(), email, external_id.lower(), customer_id]
                )
                copy.write_row(
                    (
                        customer_id,
                        email,
                        name,
                        f"{name} {SUFFIX[index % 5]}",
                        "en",
                        external_id,
                        ein,
                        f"{100 + index % 9800} Main St",
                        "",
                        city,
                        state,
                        f"{10000 + index % 89999}",
                        "US",
                        "net30" if approved else None,
                        False,
                        "archived" if archived else "active",
                        moment if archived else None,
                        search,
                        moment,
                        moment,
                    )
                )
                if approved:
                    balance = (customer_id, new_id("crb", moment), 1_000_000 + (index % 50) * 100_000, moment, ein)
                    balances.append(balance)
                if index % 2 == 0:
                    users.append((new_id("ctu", moment), customer_id, f"buyer@{email.split('@')[1]}", moment))
                methods.append((new_id("paymtd", moment), customer_id, f"{index % 10000:04d}", moment))
        with cur.copy(
            "COPY customers_customeruser (id, customer_id, email, first_name, last_name, status, payment_reminders, "
            "role, created_at, updated_at) FROM STDIN"
        ) as copy:
            # Each customer's one user is its admin, as customers.services.users makes a company's first user.
            for user_id, customer_id, email, moment in users:
                copy.write_row((user_id, customer_id, email, "Sam", "Buyer", "active", True, "admin", moment, moment))
        with cur.copy(
            "COPY customers_paymentmethod (id, customer_id, type, provider, provider_token, last4, card_brand, "
            "exp_month, exp_year, bank_name, is_default, created_at, updated_at) FROM STDIN"
        ) as copy:
            for method_id, customer_id, last4, moment in methods:
                copy.write_row(
                    (
                        method_id,
                        customer_id,
                        "card",
                        "stripe",
                        f"tok_{method_id}",
                        last4,
                        "visa",
                        12,
                        2030,
                        "",
                        True,
                        moment,
                        moment,
                    )
                )
        with cur.copy(
            "COPY credit_creditaccount (customer_id, credit_status, credit_check_requested_at, credit_currency, "
            "net_terms_status, net_terms_enrolled_at, ein_digits, created_at, updated_at) FROM STDIN"
        ) as copy:
            for customer_id, _, _, moment, ein in balances:
                copy.write_row(
                    (customer_id, "approved", moment, "USD", "enrolled", moment, ein.replace("-", ""), moment, moment)
                )
        with cur.copy(
            "COPY credit_creditbalance (id, customer_id, currency_code, available, reserved, used, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            for customer_id, balance_id, amount, moment, _ in balances:
                copy.write_row((balance_id, customer_id, "USD", amount, 0, 0, moment, moment))
        with cur.copy(
            "COPY credit_creditledgerentry (id, balance_id, customer_id, currency_code, entry_type, amount, "
            "delta_available, delta_reserved, delta_used, available_after, reserved_after, used_after, actor_type, "
            "actor_id, reason, created_at) FROM STDIN"
        ) as copy:
            for customer_id, balance_id, amount, moment, _ in balances:
                copy.write_row(
                    (
                        new_id("cle", moment),
                        balance_id,
                        customer_id,
                        "USD",
                        "grant",
                        amount,
                        amount,
                        0,
                        0,
                        amount,
                        0,
                        0,
                        "system",
                        "",
                        "bench load",
                        moment,
                    )
                )
        conn.commit()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {
        "customers": count,
        "users": len(users),
        "payment_methods": len(methods),
        "balances": len(balances),
        "seconds": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args()
    print(load(os.environ["DATABASE_URL"], args.count))
