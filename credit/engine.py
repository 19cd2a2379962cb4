"""The credit decision engine: a provider interface (chosen by `settings.CREDIT_DECISION_PROVIDER`), the shape of
its evaluation as data, and the built-in explainable rules scorecard.

A provider only evaluates: it reads the customer and the check and returns an outcome with a `Scorecard` (each rule
with its stable id, the points it can give and gave, whether it passed and a label for people; the conclusion; the
scale its score is read on) and the inputs it used. Applying the outcome (statuses, ledger, events) is the services'
job, so a provider can be swapped for a bureau integration without touching money code. The scorecard is stored as
JSON on the check and the decision; pages render it, and the API's `reasons` strings are produced from it
(`Scorecard.reasons`), so no reader ever parses text back."""

import re
from dataclasses import asdict, dataclass
from typing import ClassVar, Literal, Self

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from core.money import format_human
from credit.models import CreditAccount, CreditCheck, ein_digits
from credit.vocabulary import CreditStatus, DeclineCode
from customers.models import Customer, Terms

Outcome = Literal["approve", "decline", "refer"]


@dataclass(frozen=True)
class RuleResult:
    """One rule as a provider applied it. `id` stays the same when the wording of `label` changes."""

    id: str
    label: str
    points: int
    max_points: int
    passed: bool

    @property
    def reason(self) -> str:
        """The rule as the API's `reasons` say it: "+20 EIN present and well formed"."""
        return f"{self.points:+d} {self.label}"


@dataclass(frozen=True)
class Conclusion:
    """What the provider concluded and why, in one line: ("score_between_thresholds", "referred: score 60 …")."""

    id: str
    label: str


@dataclass(frozen=True)
class ScoreScale:
    """The scale a provider's score is read on: 0 to `maximum`, declined below `decline_below`, approved from
    `approve_at`."""

    maximum: int
    decline_below: int
    approve_at: int

    def __post_init__(self) -> None:
        if not 0 <= self.decline_below <= self.approve_at <= self.maximum or self.maximum <= 0:
            raise ValueError(f"A scale needs 0 <= decline_below <= approve_at <= maximum, maximum > 0: {self}")


@dataclass(frozen=True)
class Scorecard:
    """A provider's evaluation as data, stored as JSON (`to_json` / `from_json`) on the check and the decision."""

    provider: str
    score: int
    scale: ScoreScale | None
    rules: tuple[RuleResult, ...]
    conclusion: Conclusion

    @property
    def reasons(self) -> list[str]:
        """The API's and the events' `reasons`: each rule with its points, then the conclusion."""
        return [rule.reason for rule in self.rules] + [self.conclusion.label]

    def to_json(self) -> dict:
        return {
            "provider": self.provider,
            "score": self.score,
            "scale": asdict(self.scale) if self.scale else None,
            "rules": [asdict(rule) for rule in self.rules],
            "conclusion": asdict(self.conclusion),
        }

    @classmethod
    def from_json(cls, data: dict) -> Self:
        return cls(
            provider=data["provider"],
            score=data["score"],
            scale=ScoreScale(**data["scale"]) if data.get("scale") else None,
            rules=tuple(RuleResult(**rule) for rule in data["rules"]),
            conclusion=Conclusion(**data["conclusion"]),
        )


@dataclass(frozen=True)
class EngineResult:
    outcome: Outcome
    scorecard: Scorecard
    inputs: dict
    amount: int | None = None
    currency_code: str | None = None
    default_terms: str | None = None
    decline_code: str | None = None

    @property
    def score(self) -> int:
        return self.scorecard.score

    @property
    def reasons(self) -> list[str]:
        return self.scorecard.reasons

    @property
    def provider(self) -> str:
        return self.scorecard.provider


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
    or above the scale's approve_at approves the requested amount (up to INSTANT_LIMIT), below its decline_below
    declines, and everything in between, large requests and possible duplicates go to a credit officer."""

    name = "scorecard-v1"
    SUPPORTED_COUNTRIES = frozenset({"US"})
    SCALE = ScoreScale(maximum=100, decline_below=45, approve_at=75)
    INSTANT_LIMIT = 5_000_000  # minor units: requests above it always get a human review
    SMALL_REQUEST = 1_000_000
    DEFAULT_TERMS = Terms.NET30

    def evaluate(self, *, customer: Customer, check: CreditCheck) -> EngineResult:
        inputs = self._inputs(customer, check)
        rules = self._rules(inputs)
        score = sum(rule.points for rule in rules)
        outcome, conclusion, decline_code = self._conclude(inputs, score)
        scorecard = Scorecard(self.name, score, self.SCALE, rules, conclusion)
        if outcome != "approve":
            return EngineResult(outcome, scorecard, inputs, decline_code=decline_code)
        return EngineResult(
            outcome,
            scorecard,
            inputs,
            amount=check.amount_requested,
            currency_code=check.currency_code,
            default_terms=customer.default_terms or self.DEFAULT_TERMS,
        )

    def _conclude(self, inputs: dict, score: int) -> tuple[Outcome, Conclusion, str | None]:
        country, scale = inputs["country"], self.SCALE
        if country and country not in self.SUPPORTED_COUNTRIES:
            label = f"knock-out: business address in {country}, outside the supported countries"
            return "decline", Conclusion("unsupported_country", label), DeclineCode.NO_US_ADDRESS
        if inputs["duplicate_ein_customer_ids"]:
            label = "referred: EIN also used by " + ", ".join(inputs["duplicate_ein_customer_ids"])
            return "refer", Conclusion("duplicate_ein", label), None
        if score < scale.decline_below:
            label = f"declined: score {score} is below {scale.decline_below}"
            code = DeclineCode.EMAIL_VERIFICATION_FREEMAIL if inputs["free_mail"] else DeclineCode.THIN_FILE
            return "decline", Conclusion("score_below_decline", label), code
        amount, currency = inputs["amount_requested"], inputs["currency_code"]
        if amount > self.INSTANT_LIMIT:
            label = (
                f"referred: {format_human(amount, currency)} requested, above the instant limit "
                f"{format_human(self.INSTANT_LIMIT, currency)}"
            )
            return "refer", Conclusion("above_instant_limit", label), None
        if score >= scale.approve_at:
            label = f"approved: score {score} is at least {scale.approve_at}"
            return "approve", Conclusion("score_at_least_approve", label), None
        label = f"referred: score {score} is between {scale.decline_below} and {scale.approve_at}"
        return "refer", Conclusion("score_between_thresholds", label), None

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

    def _rules(self, inputs: dict) -> tuple[RuleResult, ...]:
        """Every rule is reported, whether it scored or not, so a decision explains itself."""
        terms_history = inputs["has_purchase_terms_history"]
        domain = inputs["email_domain"]
        amount, age = inputs["amount_requested"], inputs["business_age_days"]
        return (
            _all_or_nothing(
                "ein_well_formed",
                20,
                inputs["ein_well_formed"],
                "EIN present and well formed",
                "EIN malformed" if inputs["ein_present"] else "no EIN on file",
            ),
            _all_or_nothing(
                "address_complete",
                10,
                inputs["address_complete"],
                "full business address",
                "incomplete business address",
            ),
            _all_or_nothing(
                "supported_country",
                10,
                inputs["country"] in self.SUPPORTED_COUNTRIES,
                "supported country",
                "unsupported country" if inputs["country"] else "country missing",
            ),
            _all_or_nothing(
                "business_email_domain",
                15,
                not inputs["free_mail"],
                f"business email domain {domain}",
                f"free-mail email domain {domain}",
            ),
            _all_or_nothing(
                "purchase_history", 15, inputs["has_purchase_history"], "has purchase history", "no purchase history"
            ),
            _all_or_nothing(
                "terms_history",
                5,
                terms_history is True,
                "has bought on terms before",
                "no history of buying on terms" if terms_history is False else "terms history not given",
            ),
            _all_or_nothing(
                "legal_name", 5, inputs["legal_name_present"], "legal name on file", "no legal name on file"
            ),
            _graded(
                "amount_requested",
                10,
                10 if amount <= self.SMALL_REQUEST else (5 if amount <= self.INSTANT_LIMIT else 0),
                f"requested amount {format_human(amount, inputs['currency_code'])}",
            ),
            _graded("business_age", 10, 10 if age >= 365 else (5 if age >= 90 else 0), f"customer for {age} days"),
        )


def _all_or_nothing(rule_id: str, points: int, passed: bool, passed_label: str, failed_label: str) -> RuleResult:
    label = passed_label if passed else failed_label
    return RuleResult(rule_id, label, points if passed else 0, points, bool(passed))


def _graded(rule_id: str, max_points: int, points: int, label: str) -> RuleResult:
    """A rule that gives part of its points: it passed when it gave any."""
    return RuleResult(rule_id, label, points, max_points, points > 0)
