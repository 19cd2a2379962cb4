"""A second decision provider, for tests only: other rules, another scale, its own wording. It proves that pages,
API and events render any provider's scorecard from its data, with nothing shaped like scorecard-v1's text.

It reads only the check, so a test chooses the outcome with the check's fields: a buyer with purchase and terms
history and a described business is approved (850), without terms history it is referred (600), a new buyer is
declined (250)."""

from credit.engine import Conclusion, DecisionProvider, EngineResult, RuleResult, Scorecard, ScoreScale
from credit.vocabulary import DeclineCode
from customers.models import Terms


class TradeReferences(DecisionProvider):
    name = "trade-references-v2"
    SCALE = ScoreScale(maximum=850, decline_below=300, approve_at=700)

    def evaluate(self, *, customer, check) -> EngineResult:
        on_time = check.has_purchase_history
        terms = check.has_purchase_terms_history is True
        described = len(check.business_description) >= 10
        rules = (
            _rule("paid_suppliers", 400, on_time, "pays its suppliers on time", "no supplier says so"),
            _rule("terms_reference", 200, terms, "a supplier gave it terms", "no supplier gave it terms"),
            _rule("trade_described", 250, described, "trade described", "trade not described"),
        )
        score = sum(rule.points for rule in rules)
        if score >= self.SCALE.approve_at:
            conclusion = Conclusion("references_good", f"trade references good ({score} of 850)")
            scorecard = Scorecard(self.name, score, self.SCALE, rules, conclusion)
            return EngineResult(
                "approve",
                scorecard,
                inputs={"references": 3},
                amount=check.amount_requested,
                currency_code=check.currency_code,
                default_terms=Terms.NET15,
            )
        if score < self.SCALE.decline_below:
            conclusion = Conclusion("references_poor", f"trade references poor ({score} of 850)")
            scorecard = Scorecard(self.name, score, self.SCALE, rules, conclusion)
            return EngineResult("decline", scorecard, inputs={"references": 0}, decline_code=DeclineCode.THIN_FILE)
        conclusion = Conclusion("references_mixed", f"trade references mixed ({score} of 850): ask a person")
        return EngineResult(
            "refer", Scorecard(self.name, score, self.SCALE, rules, conclusion), inputs={"references": 1}
        )


def _rule(rule_id: str, points: int, passed: bool, passed_label: str, failed_label: str) -> RuleResult:
    return RuleResult(rule_id, passed_label if passed else failed_label, points if passed else 0, points, passed)
