"""The credit decision engine: a provider interface (chosen by `settings.CREDIT_DECISION_PROVIDER`) and the built-in
explainable rules scorecard.

A provider only evaluates: it reads the customer and the check and returns an outcome with its score, reasons and
the inputs it used. Applying the outcome (statuses, ledger, events) is the services' job, so a provider can be
swapped for a bureau integration without touching money code."""

import re
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from credit.models import CreditAccount, CreditCheck, ein_digits
from credit.vocabulary import CreditStatus, DeclineCode
from customers.models import Customer, Terms

Outcome = Literal["approve", "decline", "refer"]


@dataclass(frozen=True)
class EngineResult:
    outcome: Outcome
    score: int
    reasons: list[str]
    inputs: dict
    amount: int | None = None
    currency_code: str | None = None
    default_terms: str | None = None
    decline_code: str | None = None
    provider: str = field(default="")


class DecisionProvider:
    """Interface of a decision provider. `evaluate` must not write anything; it may be slow (a remote bureau), so
    it runs before the check is locked."""

    name: ClassVar[str] = "provider"

    def evaluate(self, *, customer: Customer, check: CreditCheck) -> EngineResult:
        raise NotImplementedError


def get_provider() -> DecisionProvider:
    return import_string(settings.CREDIT_DECISION_PROVIDER)()


FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.ca",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "zohomail.com",
        "qq.com",
        "163.com",
        "126.com",
        "hey.com",
        "fastmail.com",
        "tutanota.com",
        "mail.ru",
        "web.de",
        "comcast.net",
        "att.net",
        "verizon.net",
    }
)
EIN_RE = re.compile(r"^(\d{2})-?(\d{7})$")
# EIN prefixes the IRS has never assigned (its published list of campus prefixes); a number starting with one of
# these is malformed even if it has the right shape.
UNASSIGNED_EIN_PREFIXES = frozenset(
    {"00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89", "96", "97"}
)


def ein_well_formed(ein: str) -> bool:
    match = EIN_RE.match((ein or "").strip())
    return bool(match) and match.group(1) not in UNASSIGNED_EIN_PREFIXES


class ScorecardProvider(DecisionProvider):
    """Points for each fact about the business and the request (total 100). Knock-outs decline at once; a score at
    or above APPROVE_AT approves the requested amount (up to INSTANT_LIMIT), below DECLINE_BELOW declines, and
    everything in between, large requests and possible duplicates go to a credit officer."""

    name = "scorecard-v1"
    SUPPORTED_COUNTRIES = frozenset({"US"})
    APPROVE_AT = 75
    DECLINE_BELOW = 45
    INSTANT_LIMIT = 5_000_000  # minor units: requests above it always get a human review
    SMALL_REQUEST = 1_000_000
    DEFAULT_TERMS = Terms.NET30

    def evaluate(self, *, customer: Customer, check: CreditCheck) -> EngineResult:
        inputs = self._inputs(customer, check)
        score, reasons = self._score(inputs)
        base = {"score": score, "inputs": inputs, "provider": self.name}

        if inputs["country"] and inputs["country"] not in self.SUPPORTED_COUNTRIES:
            reasons.append(f"knock-out: business address in {inputs['country']}, outside the supported countries")
            return EngineResult("decline", reasons=reasons, decline_code=DeclineCode.NO_US_ADDRESS, **base)
        if inputs["duplicate_ein_customer_ids"]:
            reasons.append("referred: EIN also used by " + ", ".join(inputs["duplicate_ein_customer_ids"]))
            return EngineResult("refer", reasons=reasons, **base)
        if score < self.DECLINE_BELOW:
            reasons.append(f"declined: score {score} is below {self.DECLINE_BELOW}")
            code = DeclineCode.EMAIL_VERIFICATION_FREEMAIL if inputs["free_mail"] else DeclineCode.THIN_FILE
            return EngineResult("decline", reasons=reasons, decline_code=code, **base)
        if check.amount_requested > self.INSTANT_LIMIT:
            reasons.append(
                f"referred: {check.amount_requested} requested, above the instant limit {self.INSTANT_LIMIT}"
            )
            return EngineResult("refer", reasons=reasons, **base)
        if score >= self.APPROVE_AT:
            reasons.append(f"approved: score {score} is at least {self.APPROVE_AT}")
            return EngineResult(
                "approve",
                reasons=reasons,
                amount=check.amount_requested,
                currency_code=check.currency_code,
                default_terms=customer.default_terms or self.DEFAULT_TERMS,
                **base,
            )
        reasons.append(f"referred: score {score} is between {self.DECLINE_BELOW} and {self.APPROVE_AT}")
        return EngineResult("refer", reasons=reasons, **base)

    def _inputs(self, customer: Customer, check: CreditCheck) -> dict:
        domain = customer.email.rpartition("@")[2].lower()
        digits = ein_digits(customer.ein)
        duplicates = []
        if digits:
            # Another business with the same EIN that already went through credit is worth a human look (one lookup
            # in credit_account_ein_idx, whatever the number of customers).
            duplicates = list(
                CreditAccount.objects.filter(ein_digits=digits)
                .exclude(customer_id=customer.pk)
                .exclude(credit_status=CreditStatus.PENDING)
                .order_by("customer_id")
                .values_list("customer_id", flat=True)
            )
        return {
            "ein_present": bool(customer.ein.strip()),
            "ein_well_formed": ein_well_formed(customer.ein),
            "address_complete": all(
                (customer.street_address, customer.city, customer.state, customer.postal_code, customer.country)
            ),
            "country": customer.country or None,
            "email_domain": domain,
            "free_mail": domain in FREE_MAIL_DOMAINS,
            "legal_name_present": bool(customer.legal_name.strip()),
            "amount_requested": check.amount_requested,
            "currency_code": check.currency_code,
            "has_purchase_history": check.has_purchase_history,
            "has_purchase_terms_history": check.has_purchase_terms_history,
            "business_description_length": len(check.business_description),
            "business_age_days": max(0, (timezone.now() - customer.created_at).days),
            "duplicate_ein_customer_ids": duplicates,
        }

    def _score(self, inputs: dict) -> tuple[int, list[str]]:
        """Every rule adds its reason, whether it scored or not, so a decision explains itself."""
        rules = [
            (
                20,
                inputs["ein_well_formed"],
                "EIN present and well formed",
                "EIN malformed" if inputs["ein_present"] else "no EIN on file",
            ),
            (10, inputs["address_complete"], "full business address", "incomplete business address"),
            (
                10,
                inputs["country"] in self.SUPPORTED_COUNTRIES,
                "supported country",
                "country missing" if not inputs["country"] else "unsupported country",
            ),
            (
                15,
                not inputs["free_mail"],
                f"business email domain {inputs['email_domain']}",
                f"free-mail email domain {inputs['email_domain']}",
            ),
            (15, inputs["has_purchase_history"], "has purchase history", "no purchase history"),
            (
                5,
                inputs["has_purchase_terms_history"] is True,
                "has bought on terms before",
                "no history of buying on terms"
                if inputs["has_purchase_terms_history"] is False
                else "terms history not given",
            ),
            (5, inputs["legal_name_present"], "legal name on file", "no legal name on file"),
        ]
        score, reasons = 0, []
        for points, passed, good, bad in rules:
            score += points if passed else 0
            reasons.append(f"+{points} {good}" if passed else f"+0 {bad}")
        amount = inputs["amount_requested"]
        amount_points = 10 if amount <= self.SMALL_REQUEST else (5 if amount <= self.INSTANT_LIMIT else 0)
        score += amount_points
        reasons.append(f"+{amount_points} requested amount {amount} {inputs['currency_code']}")
        age = inputs["business_age_days"]
        age_points = 10 if age >= 365 else (5 if age >= 90 else 0)
        score += age_points
        reasons.append(f"+{age_points} customer for {age} days")
        return score, reasons
