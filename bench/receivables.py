"""Receivables for the staff-page benchmarks (`make bench`'s `staff` scenario): N purchases on credit spread over
the approved customers bench/load.py made, with their repayments, the ledger entries they write, the balances those
entries add up to, and notes (contact, promises to pay, follow-ups) on customers that owe something past due. One
customer, the "heavy" one, gets many purchases and notes: the customer page is measured on it.

Purchases are simulated per balance in time order, so the data is what the services would have written: each
reserve, use, release and repayment is a ledger entry whose *_after figures chain from the grant, a purchase is only
billed against what is available at that moment, and `manage.py reconcile_credit` finds nothing wrong. Written with
COPY (about a minute per million purchases here)."""

import base64
import heapq
import random
import time
from datetime import UTC, datetime, timedelta

import psycopg

TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghjkmnpqrstvwxyz")
HEAVY_PURCHASES = 5_000
HEAVY_NOTES = 300
HEAVY_EXTRA_LINE = 500_000_000  # minor units: a line the heavy customer's purchases fit in
DAY = timedelta(days=1)
# Of the completed purchases due N days ago, how many are still (partly) unpaid: most of the recent ones, a few of
# the old ones, so every aging bucket has plenty.
STILL_OWED = ((0, 0.85), (15, 0.5), (30, 0.35), (60, 0.25), (None, 0.08))


class Ids:
    """Time-ordered ids like the app's (prefix_ + a lowercase ULID), made from a seeded generator: fast and
    reproducible."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def __call__(self, prefix: str, moment: datetime) -> str:
        value = (int(moment.timestamp() * 1000) << 80) | self.rng.getrandbits(80)
        # 130 bits in 26 base-32 digits: b32encode of 160 bits (30 leading zeros), its last 26 digits.
        return f"{prefix}_{base64.b32encode(value.to_bytes(20)).decode()[6:].translate(TO_CROCKFORD)}"


def still_owed_share(days_past_due: float) -> float:
    for upper, share in STILL_OWED:
        if upper is None or days_past_due <= upper:
            return share
    return STILL_OWED[-1][1]


class Simulation:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now, self.new_id = rng, now, Ids(rng)
        self.transactions, self.repayments, self.entries, self.notes, self.balances = [], [], [], [], []
        self.stats = {"billed": 0, "completed": 0, "canceled": 0, "outstanding": 0, "past_due": 0, "dropped": 0}

    def purchase_plan(self, created: datetime, limit: int) -> tuple[list, list]:
        """One purchase: its amount and its events (time, order, kind, amount) after the billing."""
        rng, now = self.rng, self.now
        start = max(created, now - timedelta(days=400))
        billed_at = start + (now - start) * rng.random() ** 0.7  # more recent than old: a growing book
        amount = max(100, int(limit * rng.uniform(0.002, 0.04)))
        events = []
        roll = rng.random()
        if roll < 0.04 or billed_at > now - timedelta(hours=6):
            status = "billed"
        elif roll < 0.08:
            status = "canceled"
            events.append((min(billed_at + DAY * rng.random() * 3, now), "release"))
        else:
            status = "completed"
            completed_at = min(billed_at + DAY * rng.random() * 3, now)
            events.append((completed_at, "use"))
            due_at = completed_at + 30 * DAY
            late_days = (now - due_at) / DAY
            paid_early = late_days < 0 and rng.random() < 0.3
            if paid_early or (late_days >= 0 and rng.random() >= still_owed_share(late_days)):
                paid_at = completed_at + DAY * rng.uniform(5, 45)
                if paid_at < now:
                    events.append((paid_at, "repay_all"))
            elif rng.random() < 0.3:
                paid_at = completed_at + DAY * rng.uniform(3, 25)
                if paid_at < now:
                    events.append((paid_at, "repay_part"))
        return [billed_at, amount, status, events]

    def balance(self, balance_id: str, customer_id: str, created: datetime, limit: int, purchases: int, heavy: bool):
        """Every purchase of one balance, in time order: entries chained from the grant bench/load.py wrote."""
        available, reserved, used = limit, 0, 0
        last = created
        if heavy:
            last = created + timedelta(seconds=1)
            available += HEAVY_EXTRA_LINE
            self.entry(balance_id, customer_id, "line_adjustment", HEAVY_EXTRA_LINE, (HEAVY_EXTRA_LINE, 0, 0),
                       (available, reserved, used), None, last, "bench: a line for many purchases")  # fmt: skip
        plans = [self.purchase_plan(created, limit) for _ in range(purchases)]
        queue = [(plan[0], index, "reserve") for index, plan in enumerate(plans)]
        heapq.heapify(queue)
        rows = {}
        while queue:
            moment, index, kind = heapq.heappop(queue)
            moment = max(moment, last + timedelta(microseconds=1))  # the ledger's order is created_at, then id
            last = moment
            plan = plans[index]
            if kind == "reserve":
                amount = min(plan[1], available)
                if amount < 100:
                    self.stats["dropped"] += 1
                    continue
                plan[1] = amount
                tx_id = self.new_id("ctx", moment)
                rows[index] = row = {
                    "id": tx_id, "amount": amount, "repaid": 0, "status": "billed", "billed_at": moment,
                    "completed_at": None, "canceled_at": None, "due_at": None, "repaid_at": None, "updated_at": moment,
                }  # fmt: skip
                available, reserved = available - amount, reserved + amount
                self.entry(balance_id, customer_id, "reserve", amount, (-amount, amount, 0),
                           (available, reserved, used), tx_id, moment)  # fmt: skip
                for event_at, event in plan[3]:
                    heapq.heappush(queue, (max(event_at, moment), index, event))
                continue
            row = rows[index]
            amount = row["amount"]
            if kind == "release":
                available, reserved = available + amount, reserved - amount
                row.update(status="canceled", canceled_at=moment, updated_at=moment)
                self.entry(balance_id, customer_id, "release", amount, (amount, -amount, 0),
                           (available, reserved, used), row["id"], moment)  # fmt: skip
            elif kind == "use":
                reserved, used = reserved - amount, used + amount
                row.update(status="completed", completed_at=moment, due_at=moment + 30 * DAY, updated_at=moment)
                self.entry(balance_id, customer_id, "use", amount, (0, -amount, amount),
                           (available, reserved, used), row["id"], moment)  # fmt: skip
            else:
                paid = amount if kind == "repay_all" else max(1, int(amount * self.rng.uniform(0.2, 0.6)))
                available, used = available + paid, used - paid
                row.update(repaid=row["repaid"] + paid, updated_at=moment)
                if row["repaid"] == amount:
                    row["repaid_at"] = moment
                self.repayments.append((self.new_id("rpy", moment), row["id"], paid, moment))
                self.entry(balance_id, customer_id, "repayment", paid, (paid, 0, -paid),
                           (available, reserved, used), row["id"], moment)  # fmt: skip
        past_due = []
        for row in rows.values():
            self.stats[row["status"]] += 1
            owed = row["status"] == "completed" and row["repaid"] < row["amount"]
            self.stats["outstanding"] += owed
            if owed and row["due_at"] < self.now:
                self.stats["past_due"] += 1
                past_due.append(row)
            self.transactions.append((customer_id, balance_id, row))
        self.balances.append((balance_id, available, reserved, used, last))
        if past_due or heavy:
            self.customer_notes(customer_id, past_due, created, HEAVY_NOTES if heavy else self.rng.randint(1, 4))

    def customer_notes(self, customer_id: str, past_due: list[dict], created: datetime, count: int):
        """Contact about what is owed: some notes promise to pay (a date passed: kept or broken by the repayments
        since), most plan the next follow-up (some today or earlier: the follow-ups view)."""
        rng, now = self.rng, self.now
        oldest = min((row["due_at"] for row in past_due), default=now - 30 * DAY)
        owed = sum(row["amount"] - row["repaid"] for row in past_due) or 10_000
        moments = sorted(max(created, oldest) + (now - max(created, oldest)) * rng.random() for _ in range(count))
        for moment in moments:
            promise = rng.random() < 0.4
            amount = max(100, int(owed * rng.uniform(0.3, 1.0))) if promise else None
            promised_on = (moment + DAY * rng.randint(1, 14)).date() if promise else None
            follow_up = (moment + DAY * rng.randint(1, 21)).date() if rng.random() < 0.7 else None
            self.notes.append(
                (self.new_id("cnt", moment), customer_id, "Called accounts payable about the open invoices.", "staff",
                 "", "Bench Officer", amount, "USD" if promise else None, promised_on, follow_up, moment)
            )  # fmt: skip

    def entry(self, balance_id, customer_id, kind, amount, deltas, after, tx_id, moment, reason=""):
        self.entries.append(
            (self.new_id("cle", moment), balance_id, customer_id, "USD", kind, amount, *deltas, *after, tx_id,
             "system", "", reason, moment)
        )  # fmt: skip


def load_receivables(database_url: str, purchases: int, seed: int = 11) -> dict:
    """Purchases, repayments, ledger entries, notes and the balances' new figures for the approved customers of an
    already loaded bench database. Returns counts, and `heavy_customer`: the customer with the most of everything."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with psycopg.connect(database_url) as conn:
        balances = conn.execute(
            "SELECT b.id, b.customer_id, b.created_at, b.available FROM credit_creditbalance b "
            "WHERE b.currency_code = 'USD' AND b.reserved = 0 AND b.used = 0 AND NOT EXISTS "
            "(SELECT 1 FROM credit_credittransaction t WHERE t.balance_id = b.id) ORDER BY b.customer_id"
        ).fetchall()
    if not balances:
        raise RuntimeError("no approved customers without purchases to load receivables for")
    simulation = Simulation(rng, now)
    # The heavy customer: one from the middle of the book (a customer for 18 months: its purchases span the same
    # ~13 months as everyone's).
    heavy_id = balances[len(balances) // 2][1]
    # The first two are the reserve scenario's (bench/run.py): their balances stay as loaded.
    balances = balances[2:]
    per_balance = (purchases - HEAVY_PURCHASES) / max(len(balances) - 1, 1)
    owed = 0.0
    for balance_id, customer_id, created, limit in balances:
        heavy = customer_id == heavy_id
        owed += per_balance
        count = HEAVY_PURCHASES if heavy else int(owed)
        owed -= 0 if heavy else count
        simulation.balance(balance_id, customer_id, created, limit, count, heavy)
    simulated = time.perf_counter() - started
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        # Consistent by construction (and checked by reconcile_credit): the foreign keys' per-row triggers are
        # skipped, as a restore would.
        cur.execute("SET session_replication_role = replica")
        with cur.copy(
            "COPY credit_credittransaction (id, customer_id, balance_id, currency_code, amount, amount_repaid, status, "
            "reference, description, terms, billed_at, completed_at, canceled_at, due_at, repaid_at, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            for number, (customer_id, balance_id, row) in enumerate(simulation.transactions):
                copy.write_row(
                    (row["id"], customer_id, balance_id, "USD", row["amount"], row["repaid"], row["status"],
                     f"INV-{number:08d}", "Order by phone", "net30", row["billed_at"], row["completed_at"],
                     row["canceled_at"], row["due_at"], row["repaid_at"], row["billed_at"], row["updated_at"])
                )  # fmt: skip
        with cur.copy("COPY credit_creditrepayment (id, transaction_id, amount, created_at) FROM STDIN") as copy:
            for row in simulation.repayments:
                copy.write_row(row)
        with cur.copy(
            "COPY credit_creditledgerentry (id, balance_id, customer_id, currency_code, entry_type, amount, "
            "delta_available, delta_reserved, delta_used, available_after, reserved_after, used_after, transaction_id, "
            "actor_type, actor_id, reason, created_at) FROM STDIN"
        ) as copy:
            for row in simulation.entries:
                copy.write_row(row)
        with cur.copy(
            "COPY credit_customernote (id, customer_id, text, author_type, author_id, author_label, promised_amount, "
            "promised_currency, promised_on, follow_up_on, created_at) FROM STDIN"
        ) as copy:
            for row in simulation.notes:
                copy.write_row(row)
        cur.execute(
            "CREATE TEMP TABLE bench_balance (id varchar(30), available bigint, reserved bigint, used bigint, "
            "updated_at timestamptz)"
        )
        with cur.copy("COPY bench_balance FROM STDIN") as copy:
            for row in simulation.balances:
                copy.write_row(row)
        cur.execute(
            "UPDATE credit_creditbalance b SET available = n.available, reserved = n.reserved, used = n.used, "
            "updated_at = n.updated_at FROM bench_balance n WHERE b.id = n.id"
        )
        conn.commit()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE credit_credittransaction, credit_creditrepayment, credit_creditledgerentry, "
                     "credit_customernote, credit_creditbalance")  # fmt: skip
    return {
        "purchases": len(simulation.transactions),
        **simulation.stats,
        "repayments": len(simulation.repayments),
        "ledger_entries": len(simulation.entries),
        "notes": len(simulation.notes),
        "heavy_customer": heavy_id,
        "simulate_seconds": round(simulated, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
