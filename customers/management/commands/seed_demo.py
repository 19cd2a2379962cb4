"""Demo data for the embedded default: a few dozen realistic customers across every credit state, with users,
payment methods and balances, plus demo staff logins and a fresh API key. Safe to run again."""

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
from credit.ledger import balance_lock, ledger_post
from credit.models import CreditCheck, CreditCheckStatus, CreditDecision, DecisionType, LedgerEntryType
from customers.models import Customer, NetTermsStatus
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
STATES = ["approved_enrolled", "approved_pending", "none", "in_review", "declined", "hold", "approved_enrolled",
          "deactivated", "approved_expired", "archived", "approved_enrolled", "none"]  # fmt: skip

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
                ]
            )
        )

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
                user.groups.add(Group.objects.get(name=group_name))

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
                customer=customer, actor=SEED_ACTOR, type="card", provider="stripe",
                provider_token=f"tok_demo_{index}_card", last4=f"{rng.randint(0, 9999):04d}",
                card_brand=rng.choice(["visa", "mastercard", "amex"]), exp_month=rng.randint(1, 12),
                exp_year=now.year + rng.randint(1, 5),
            )  # fmt: skip
            if index % 2:
                payment_method_add(
                    customer=customer, actor=SEED_ACTOR, type="bank_account", provider="plaid",
                    provider_token=f"tok_demo_{index}_bank", last4=f"{rng.randint(0, 9999):04d}",
                    bank_account_type="ach", bank_name=rng.choice(["Chase", "Wells Fargo", "First Citizens"]),
                )  # fmt: skip
            self._apply_state(customer, STATES[index % len(STATES)], rng, now, index)

    def _apply_state(self, customer, state, rng, now, index):
        if state == "none":
            return
        if state == "archived":
            customer_archive(customer=customer, actor=SEED_ACTOR)
            return
        amount = rng.choice([500000, 1000000, 2500000, 5000000, 10000000])
        check = CreditCheck.objects.create(
            customer=customer,
            amount_requested=amount,
            has_purchase_history=bool(index % 2),
            business_description="Demo customer",
        )
        requested_at = now - timedelta(hours=3 + index)
        customer.credit_check_requested_at = requested_at
        customer.credit_status = "pending"
        if state == "in_review":
            check.status = CreditCheckStatus.IN_REVIEW
            check.score = 55
            check.reasons = ["requested amount above instant-approval limit", "no purchase history"]
            check.referred_at = requested_at
            check.save()
            customer.save()
            return
        check.decided_at = requested_at + timedelta(minutes=1)
        if state == "declined":
            check.status = CreditCheckStatus.DECLINED
            check.save()
            CreditDecision.objects.create(
                customer=customer, credit_check=check, decision=DecisionType.DECLINED, decline_code="thin_file",
                reasons=["no EIN on file", "free-mail email domain"], score=20, decided_by_type="system",
            )  # fmt: skip
            customer.credit_status = "declined"
            customer.decline_code = "thin_file"
            customer.save()
            return
        check.status = CreditCheckStatus.APPROVED
        check.save()
        decision = CreditDecision.objects.create(
            customer=customer, credit_check=check, decision=DecisionType.APPROVED, amount=amount,
            currency_code="USD", default_terms="net30", reasons=["complete business profile"], score=82,
            decided_by_type="system",
        )  # fmt: skip
        customer.credit_status = "approved"
        customer.credit_currency = "USD"
        customer.default_terms = "net30"
        customer.net_terms_status = {
            "approved_pending": NetTermsStatus.PENDING_ENROLLMENT,
            "approved_expired": NetTermsStatus.ENROLLMENT_EXPIRED,
        }.get(state, NetTermsStatus.ENROLLED)
        expires = now + timedelta(days=10) if state == "approved_pending" else now - timedelta(days=1)
        customer.net_terms_enrollment_expires_at = expires if state != "approved_enrolled" else None
        if state in {"hold", "deactivated"}:
            customer.credit_status = state
            customer.hold_code = "past_due" if state == "hold" else None
        customer.save()
        balance = balance_lock(customer_id=customer.id, currency_code="USD")
        ledger_post(balance=balance, entry_type=LedgerEntryType.GRANT, amount=amount, actor=SEED_ACTOR,
                    reason="credit check approved", decision=decision)  # fmt: skip
