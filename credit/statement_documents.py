"""A statement (credit.statements) as files: a CSV and a PDF, for the staff download, the buyer portal and the email
on the 1st. `statement_file(customer=, currency_code=, month=, file_format="pdf" | "csv")` is the entry point for
adapters (`statement_document` renders a statement already read); each answer carries its file name and content
type.

CSV: one header row, then the opening balance, a row per movement and the closing balance. Amounts are in minor
units as the API sends them (`amount` "125000"), each followed by the same amount in major units with the currency's
ISO 4217 exponent (`amount_decimal` "1250.00"), as the customer export does. Cells a spreadsheet would take for a
formula are quoted with a leading apostrophe.

PDF: fpdf2 (pure Python, from wheels). Text is set in DejaVu Sans when Debian's fonts-dejavu-core is installed
(STATEMENT_PDF_FONT: Latin, Greek and Cyrillic names print; for CJK names point it at a font that has them); without
it, in the PDF's built-in Helvetica, where characters outside Latin-1 print as "?". Money is in major units, as people
read it (core.money.format_human)."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from fpdf import FPDF
from fpdf.fonts import FontFace

from core.money import format_human, format_input
from credit.statements import Statement, statement_get
from customers.models import Customer

FORMATS = ("pdf", "csv")
CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}

CSV_COLUMNS = (
    "date",
    "type",
    "transaction_id",
    "reference",
    "description",
    "buyer",
    "buyer_email",
    "due_at",
    "amount",
    "amount_decimal",
    "change",
    "change_decimal",
    "balance",
    "balance_decimal",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class StatementDocument:
    file_name: str
    content_type: str
    content: bytes


def statement_file(*, customer: Customer, currency_code: str, month: date, file_format: str) -> StatementDocument:
    """The customer's statement in `currency_code` for `month` (its first day: credit.statements.statement_month_parse
    reads a `YYYY-MM`) as a PDF or CSV file, for any adapter to hand out (the staff download, the buyer portal).
    Raises ValidationError as statement_get does (no balance in that currency, a month to come)."""
    statement = statement_get(customer=customer, currency_code=currency_code, month=month)
    return statement_document(statement, file_format)


def statement_document(statement: Statement, file_format: str) -> StatementDocument:
    if file_format not in FORMATS:
        raise ValueError(f"A statement is a {' or a '.join(FORMATS)}, not {file_format!r}.")
    content = statement_pdf(statement) if file_format == "pdf" else statement_csv(statement).encode()
    return StatementDocument(statement_file_name(statement, file_format), CONTENT_TYPES[file_format], content)


def statement_file_name(statement: Statement, file_format: str) -> str:
    return f"statement-{statement.customer_id}-{statement.currency_code}-{statement.month_key}.{file_format}"


def _timestamp(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat().replace("+00:00", "Z")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    return text.lstrip("-").replace(".", "", 1).isdigit()


def statement_csv(statement: Statement) -> str:
    currency = statement.currency_code
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def money(amount: int | None) -> list[str]:
        return ["", ""] if amount is None else [str(amount), format_input(amount, currency)]

    blank = ["", "", "", "", "", "", *money(None), *money(None)]
    writer.writerow([_timestamp(statement.period_start), "opening_balance", *blank, *money(statement.opening_balance)])
    for line in statement.lines:
        writer.writerow(
            [
                _timestamp(line.at),
                line.kind,
                line.transaction_id,
                _cell(line.reference),
                _cell(line.description),
                _cell(line.buyer),
                _cell(line.buyer_email),
                _timestamp(line.due_at),
                *money(line.amount),
                *money(line.change),
                *money(line.balance),
            ]
        )
    writer.writerow([_timestamp(statement.as_of), "closing_balance", *blank, *money(statement.closing_balance)])
    return out.getvalue()


class _Pdf(FPDF):
    def __init__(self, statement: Statement) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.statement = statement
        self.family = _font(self)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(f"Statement {statement.period_label} {statement.currency_code}")
        self.set_author(settings.SELLER_NAME)
        self.set_creator(settings.SELLER_NAME)

    def text_of(self, value: str) -> str:
        return value if self.family != "Helvetica" else value.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.set_text_color(98, 125, 152)
        statement = self.statement
        self.cell(
            0,
            5,
            self.text_of(
                f"{statement.customer_name} · {statement.currency_code} · {statement.period_label} · "
                f"page {self.page_no()} of {{nb}}"
            ),
            align="C",
        )


def _font(pdf: FPDF) -> str:
    regular = Path(settings.STATEMENT_PDF_FONT)
    bold = regular.with_name(regular.stem + "-Bold" + regular.suffix)
    if regular.is_file() and bold.is_file():
        pdf.add_font("Statement", "", str(regular))
        pdf.add_font("Statement", "B", str(bold))
        return "Statement"
    return "Helvetica"


def statement_pdf(statement: Statement) -> bytes:
    pdf = _Pdf(statement)
    text = pdf.text_of
    currency = statement.currency_code

    def money(amount: int) -> str:
        return format_human(amount, currency, with_code=False)

    pdf.add_page()
    pdf.set_font(pdf.family, "B", 16)
    pdf.cell(0, 9, text(settings.SELLER_NAME), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "B", 12)
    pdf.cell(0, 7, text(f"Statement · {statement.period_label} · {currency}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    pdf.ln(2)
    as_of = "the end of the month" if statement.is_complete else statement.as_of.strftime("%d %b %Y %H:%M UTC")
    for label, value in (
        ("Customer", statement.customer_name),
        ("Customer id", statement.customer_id),
        (
            "Period",
            f"{statement.period_start:%d %b %Y} to {statement.last_day:%d %b %Y} (UTC), as of {as_of}",
        ),
        ("Currency", currency),
    ):
        pdf.set_font(pdf.family, "B", 10)
        pdf.cell(32, 6, text(label))
        pdf.set_font(pdf.family, "", 10)
        pdf.cell(0, 6, text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    summary = (
        ("Opening balance", money(statement.opening_balance)),
        ("Purchases", money(statement.purchases_total)),
        ("Cancellations", money(-statement.canceled_total)),
        ("Repayments", money(-statement.repaid_total)),
        ("Closing balance", money(statement.closing_balance)),
        ("Credit limit", money(statement.credit_limit)),
        ("Available", money(statement.available)),
        ("Past due", money(statement.past_due)),
    )
    with pdf.table(
        col_widths=(50, 40),
        width=90,
        align="LEFT",
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
        line_height=6,
    ) as table:
        for label, value in summary:
            row = table.row()
            bold = label == "Closing balance"
            style = FontFace(emphasis="BOLD") if bold else None
            row.cell(text(label), style=style)
            row.cell(text(f"{value} {currency}"), align="RIGHT", style=style)
    pdf.ln(6)

    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(0, 7, text("Movements"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 9)
    with pdf.table(
        col_widths=(24, 80, 36, 20, 20),
        headings_style=FontFace(emphasis="BOLD", fill_color=(238, 241, 245)),
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
    ) as table:
        heading = table.row()
        for title in ("Date", "Description", "Buyer", "Amount", "Balance"):
            heading.cell(title)
        opening = table.row()
        opening.cell(f"{statement.period_start:%d %b %Y}")
        opening.cell("Opening balance")
        opening.cell("")
        opening.cell("")
        opening.cell(money(statement.opening_balance))
        for line in statement.lines:
            row = table.row()
            row.cell(f"{line.at:%d %b %Y}")
            details = [line.label]
            if line.reference:
                details.append(line.reference)
            if line.description:
                details.append(line.description)
            if line.due_at:
                details.append(f"due {line.due_at:%d %b %Y}")
            row.cell(text(" · ".join(details)))
            row.cell(text(line.buyer))
            row.cell(money(line.change) if line.change else f"({money(line.amount)})")
            row.cell(money(line.balance))
        closing = table.row()
        closing_style = FontFace(emphasis="BOLD")
        closing.cell(f"{statement.last_day:%d %b %Y}", style=closing_style)
        closing.cell("Closing balance", style=closing_style)
        closing.cell("")
        closing.cell("")
        closing.cell(money(statement.closing_balance), style=closing_style)
    if not statement.lines:
        pdf.ln(2)
        pdf.cell(0, 6, text("No movements this month."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(pdf.family, "", 8)
    pdf.set_text_color(82, 96, 109)
    note = (
        "The balance is what is owed on the credit line: purchases billed and not cancelled, less repayments. "
        "A completed purchase (in brackets) changes nothing owed; it became due on its due date. Dates are UTC."
    )
    pdf.multi_cell(0, 4, text(note), align="L")
    return bytes(pdf.output())
