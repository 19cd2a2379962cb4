"""Demo data for the embedded default: a few dozen realistic customers across every credit state, with users,
payment methods and balances, plus demo staff logins and a fresh API key. Safe to run again. It lives in credit, the
top app, as it seeds both customers and their credit (through the services)."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.models import ApiKey, Scope
from core.services import api_key_create, api_key_revoke
from credit.selectors import credit_account_get
from credit.services import (
    credit_check_approve,
    credit_check_decide,
    credit_check_decline,
    credit_check_request,
    credit_deactivate,
    credit_direct_approve,
    credit_line_grant,
    credit_line_update,
    credit_past_due_evaluate,
    credit_transaction_bill,
    credit_transaction_cancel,
    credit_transaction_complete,
    credit_transaction_repay,
    net_terms_enroll,
    net_terms_enrollment_expire,
)
from credit.vocabulary import NetTermsStatus
from customers.models import Customer, CustomerUser, CustomerUserStatus, Terms
from customers.services import customer_archive, customer_create, customer_user_create, payment_method_add

DEMO_MARKER = {"source": "seed_demo"}
DEMO_PASSWORD = "demo-password-2026"
DEMO_API_KEY_NAME = "demo"
STAFF = (("admin", None), ("viewer", "viewer"), ("manager", "account_manager"), ("officer", "credit_officer"))

COMPANIES = [
    ("Acme Industrial Supply", "Acme Industrial Supply LLC", "acme-industrial.com", "Chicago", "IL"),
    ("Bluebird Coffee Roasters", "Bluebird Coffee Roasters Inc.", "bluebirdcoffee.com", "Portland", "OR"),
    ("Cobalt Robotics", "Cobalt Robotics Corp.", "cobaltrobotics.io", "Austin", "TX"),
    ("Delta Marine Parts", "Delta Marine Parts LLC", "deltamarine.com", "Tampa", "FL"),
    ("Evergreen Landscaping", "Evergreen Landscaping Co.", "evergreen-land.com", "Denver", "CO"),
    ("Foxglove Florists", "Foxglove Florists LLC", "foxglove.shop", "Savannah", "GA"),
    ("Granite Peak Builders", "Granite Peak Builders Inc.", "granitepeak.build", "Boise", "ID"),
    ("Harbor Freight Logistics", "Harbor Freight Logistics LLC", "harborlogistics.com", "Oakland", "CA"),
    ("Ironwood Furniture", "Ironwood Furniture Co.", "ironwoodfurniture.com", "Grand Rapids", "MI"),
    ("Juniper Health Clinics", "Juniper Health PLLC", "juniperhealth.org", "Phoenix", "AZ"),
    ("Keystone Electrical", "Keystone Electrical Contractors Inc.", "keystone-electric.com", "Pittsburgh", "PA"),
    ("Lumen Optics", "Lumen Optics Inc.", "lumenoptics.com", "Rochester", "NY"),
    ("Maple Street Bakery", "Maple Street Bakery LLC", "maplestreetbakery.com", "Burlington", "VT"),
    ("Northwind Traders", "Northwind Traders Inc.", "northwind.example.com", "Seattle", "WA"),
    ("Orchard Valley Farms", "Orchard Valley Farms LLC", "orchardvalley.farm", "Fresno", "CA"),
    ("Pinnacle Dental Supply", "Pinnacle Dental Supply Corp.", "pinnacledental.com", "Nashville", "TN"),
    ("Quartz Data Systems", "Quartz Data Systems Inc.", "quartzdata.io", "Raleigh", "NC"),
    ("Redwood Brewing", "Redwood Brewing Company", "redwoodbrewing.com", "Sacramento", "CA"),
    ("Summit Outdoor Gear", "Summit Outdoor Gear LLC", "summitoutdoor.com", "Salt Lake City", "UT"),
    ("Tidewater Seafood", "Tidewater Seafood Inc.", "tidewaterseafood.com", "Norfolk", "VA"),
    ("Upland Print Works", "Upland Print Works LLC", "uplandprint.com", "Columbus", "OH"),
    ("Vantage Auto Glass", "Vantage Auto Glass Inc.", "vantageautoglass.com", "Las Vegas", "NV"),
    ("Willow Creek Vineyards", "Willow Creek Vineyards LLC", "willowcreekwine.com", "Napa", "CA"),
    ("Xenon Lighting", "Xenon Lighting Corp.", "xenonlighting.com", "Newark", "NJ"),
    ("Yellowstone Hardware", "Yellowstone Hardware Inc.", "yellowstonehw.com", "Billings", "MT"),
    ("Zephyr Cycles", "Zephyr Cycles LLC", "zephyrcycles.com", "Minneapolis", "MN"),
    ("Atlas Office Furniture", "Atlas Office Furniture Inc.", "atlasoffice.com", "Dallas", "TX"),
    ("Beacon Pharmacy Group", "Beacon Pharmacy Group LLC", "beaconrx.com", "Boston", "MA"),
    ("Cedar & Stone Interiors", "Cedar and Stone Interiors LLC", "cedarstone.design", "Charleston", "SC"),
    ("Driftwood Hospitality", "Driftwood Hospitality Group Inc.", "driftwoodhotels.com", "San Diego", "CA"),
    ("Elm Street Pediatrics", "Elm Street Pediatrics PC", "elmstreetpeds.com", "Madison", "WI"),
    ("Fjord Outfitters", "Fjord Outfitters LLC", "fjordoutfitters.com", "Anchorage", "AK"),
    ("Golden Gate Textiles", "Golden Gate Textiles Inc.", "gg-textiles.com", "San Francisco", "CA"),
    ("Hollow Oak Studios", "Hollow Oak Studios LLC", "gmail.com", "Asheville", "NC"),
    ("Indigo Print Co", "", "yahoo.com", "Toronto", "ON"),
    ("Jasper & Finch", "Jasper & Finch Ltd.", "jasperfinch.co.uk", "London", ""),
]
FIRST_NAMES = ["Ava", "Ben", "Chloe", "Diego", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kira", "Liam"]
LAST_NAMES = ["Nguyen", "Patel", "Smith", "Garcia", "Kowalski", "Okafor", "Larsen", "Moreau", "Rossi", "Cohen"]
# The credit state each company ends in, cycling through every state the domain has.
STATES = [
    "approved_enrolled",
    "approved_pending",
    "none",
    "in_review",
    "declined",
    "hold",
    "approved_enrolled",
    "deactivated",
    "approved_expired",
    "archived",
    "approved_enrolled",
    "none",
]

SEED_ACTOR = Actor.system("seed_demo")


class Command(BaseCommand):
    help = "Seed demo customers, staff logins and an API key (idempotent)."

    def handle(self, *args, **options):
        self._ensure_staff()
        if Customer.objects.filter(import_meta=DEMO_MARKER).exists():
            self.stdout.write("Demo customers already present; not adding more.")
        else:
            with transaction.atomic():
                self._seed_customers()
            self.stdout.write(f"Seeded {len(COMPANIES)} demo customers.")
        for old in ApiKey.objects.filter(name=DEMO_API_KEY_NAME, revoked_at__isnull=True):
            api_key_revoke(api_key=old)
        _, raw_key = api_key_create(name=DEMO_API_KEY_NAME, scopes=list(Scope.values))
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Demo logins (password for each: " + DEMO_PASSWORD + "):",
                    "  admin (superuser), viewer, manager (account manager), officer (credit officer)",
                    "API key (all scopes; a new one each run, the previous demo key is revoked):",
                    f"  {raw_key}",
                    *self._portal_hint(),
                ]
            )
        )

    def _portal_hint(self) -> list[str]:
        """A buyer to try the portal as: the first active user of a demo customer whose net terms are accepted."""
        buyer = (
            CustomerUser.objects.filter(
                customer__import_meta=DEMO_MARKER,
                customer__archived_at__isnull=True,
                customer__credit_account__net_terms_status=NetTermsStatus.ENROLLED,
                status=CustomerUserStatus.ACTIVE,
            )
            .select_related("customer")
            .order_by("customer__name", "id")
            .first()
        )
        if buyer is None:
            return []
        return [
            f"Buyer portal (/portal/): ask for a sign-in link as {buyer.email} ({buyer.customer.name});",
            "  the email is printed here and kept in var/mail.",
        ]

    def _ensure_staff(self):
        user_model = get_user_model()
        for username, group_name in STAFF:
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"is_staff": True, "email": f"{username}@demo.example"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_superuser = group_name is None
                user.save()
            if group_name:
                user.groups.add(Group.objects.get_or_create(name=group_name)[0])

    def _seed_customers(self):
        rng = random.Random(2026)
        now = timezone.now()
        for index, (name, legal_name, domain, city, state) in enumerate(COMPANIES):
            slug = name.lower().replace(" & ", "-").replace(" ", "-")
            email = f"ap@{domain}" if domain not in {"gmail.com", "yahoo.com"} else f"{slug}@{domain}"
            country = "CA" if state == "ON" else ("GB" if not state else "US")
            customer = customer_create(
                actor=SEED_ACTOR,
                email=email,
                name=name,
                legal_name=legal_name,
                external_id=f"ERP-{1000 + index}",
                ein=f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}" if country == "US" else "",
                street_address=f"{rng.randint(10, 9999)} {rng.choice(['Main', 'Oak', 'Market', 'Pine'])} St",
                city=city,
                state=state,
                postal_code=f"{rng.randint(10000, 99999)}" if country == "US" else "",
                country=country,
                import_meta=DEMO_MARKER,
            )
            for user_index in range(1 + index % 3):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                customer_user_create(
                    customer=customer,
                    actor=SEED_ACTOR,
                    email=f"{first}.{last}{user_index}@{domain}".lower(),
                    first_name=first,
                    last_name=last,
                )
            payment_method_add(
                customer=customer,
                actor=SEED_ACTOR,
                type="card",
                provider="stripe",
                provider_token=f"tok_demo_{index}_card",
                last4=f"{rng.randint(0, 9999):04d}",
                card_brand=rng.choice(["visa", "mastercard", "amex"]),
                exp_month=rng.randint(1, 12),
                exp_year=now.year + rng.randint(1, 5),
            )
            if index % 2:
                payment_method_add(
                    customer=customer,
                    actor=SEED_ACTOR,
                    type="bank_account",
                    provider="plaid",
                    provider_token=f"tok_demo_{index}_bank",
                    last4=f"{rng.randint(0, 9999):04d}",
                    bank_account_type="ach",
                    bank_name=rng.choice(["Chase", "Wells Fargo", "First Citizens"]),
                )
            self._apply_state(customer, STATES[index % len(STATES)], rng, now, index)

    def _apply_state(self, customer, state, rng, now, index):
        """Bring a customer to its demo credit state through the credit services, as the API and staff would."""
        if state == "none":
            return
        if state == "archived":
            customer_archive(customer=customer, actor=SEED_ACTOR)
            return
        officer = Actor.staff(get_user_model().objects.get(username="officer"))
        amount = rng.choice([500000, 1000000, 2500000, 5000000])
        terms = rng.choice(["net30", "net30", "net45", "net60"])
        if state == "approved_enrolled" and index % 4 == 0:
            credit_direct_approve(
                customer=customer,
                actor=officer,
                amount=amount,
                default_terms=terms,
                note="Direct application: trade references and bank letter on file",
            )
            customer.refresh_from_db()
            self._activity(customer, rng, now, amount, terms, index)
            return
        if state == "in_review":
            # Above the engine's instant limit, so the engine refers it to the review queue.
            check = credit_check_request(
                customer=customer,
                actor=SEED_ACTOR,
                amount_requested=7500000,
                has_purchase_history=True,
                business_description="Demo customer",
            )
            credit_check_decide(credit_check_id=check.id)
            return
        check = credit_check_request(
            customer=customer,
            actor=SEED_ACTOR,
            amount_requested=amount,
            has_purchase_history=bool(index % 2),
            has_purchase_terms_history=bool(index % 3),
            business_description="Demo customer",
        )
        if state == "declined":
            code = ["thin_file", "failing_credit", "business_not_verified"][index % 3]
            credit_check_decline(credit_check=check, actor=officer, decline_code=code, note="Bureau file reviewed")
            return
        credit_check_approve(credit_check=check, actor=officer, amount=amount, default_terms=terms)
        customer.refresh_from_db()
        if state == "approved_expired":
            # The demo fast-forwards this one to the end of its link's life.
            expires_at = credit_account_get(customer=customer).net_terms_enrollment_expires_at
            net_terms_enrollment_expire(customer=customer, actor=SEED_ACTOR, now=expires_at)
            return
        if state == "approved_pending":
            return
        net_terms_enroll(customer=customer, customer_user=customer.users.order_by("id").first())
        self._activity(customer, rng, now, amount, terms, index)
        if state == "hold":
            self._purchase(customer, amount // 5, now, terms, days_past_due=25)
            credit_past_due_evaluate(customer=customer)
        elif state == "deactivated":
            credit_deactivate(customer=customer, actor=officer, note="Business sold; account closed")

    def _activity(self, customer, rng, now, amount, terms, index):
        """Purchases in every state: repaid, completed and current, billed, and on every other customer one a few
        days past due (within the grace before a hold) and one canceled."""
        repaid = self._purchase(customer, amount // 5, now, terms, days_past_due=-5)
        credit_transaction_repay(credit_transaction=repaid, actor=SEED_ACTOR, amount=repaid.amount)
        self._purchase(customer, amount * rng.choice([10, 15]) // 100, now, terms, completed_days_ago=3)
        # Bought by a named user of the customer (the buyer on the purchase).
        self._purchase(customer, amount // 10, now, terms, buyer=customer.users.order_by("id").first())
        if index % 3 == 0:
            officer = Actor.staff(get_user_model().objects.get(username="officer"))
            credit_line_update(
                customer=customer,
                actor=officer,
                credit_limit=amount * 6 // 5,
                reason="Annual review: always paid on time",
            )
            # A second line, in Canadian dollars, for the customer's Canadian orders, and a purchase on it.
            credit_line_grant(
                customer=customer,
                actor=officer,
                currency_code="CAD",
                credit_limit=amount // 2,
                reason="Canadian branch orders in CAD",
            )
            self._purchase(customer, amount // 20, now, terms, completed_days_ago=5, currency="CAD")
        if index % 2 == 0:
            self._purchase(customer, amount // 10, now, terms, days_past_due=6)
            canceled = self._purchase(customer, amount // 20, now, terms)
            credit_transaction_cancel(credit_transaction=canceled, actor=SEED_ACTOR)

    def _purchase(
        self, customer, amount, now, terms, *, days_past_due=None, completed_days_ago=None, currency=None, buyer=None
    ):
        """Billed now, or (with a completion) an invoice imported from the ERP, billed two days before completion; in
        the credit currency unless `currency` says otherwise, bought by `buyer` (a customer user) if given."""
        if days_past_due is not None:
            completed_days_ago = Terms.days(terms) + days_past_due
        completed_at = now - timedelta(days=completed_days_ago) if completed_days_ago is not None else None
        billed = credit_transaction_bill(
            customer=customer,
            actor=SEED_ACTOR,
            amount=amount,
            currency_code=currency or credit_account_get(customer=customer).credit_currency,
            reference=f"INV-{customer.external_id}-{customer.credit_transactions.count() + 1}",
            billed_at=completed_at - timedelta(days=2) if completed_at else None,
            customer_user_id=buyer.id if buyer else None,
        )
        if completed_at is None:
            return billed
        return credit_transaction_complete(credit_transaction=billed, actor=SEED_ACTOR, completed_at=completed_at)
