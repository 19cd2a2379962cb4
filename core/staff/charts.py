"""Geometry for the staff pages' inline SVG charts. The templates draw them; colours come from the stylesheet
(classes, never inline styles, so the strict Content-Security-Policy holds) and every chart also states its numbers
in text, for screen readers and for people who prefer figures."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ShareBar:
    """One group's share of a whole, as a horizontal bar: `width` in percent of the track (a non-zero group keeps a
    visible sliver), `share` the percentage as people read it."""

    key: str
    label: str
    value: int
    percent: float
    width: float
    share: str


def share_text(value: int, total: int) -> str:
    """A group's share of `total` in whole percent, as people read it: "42 %"; a non-zero group that rounds to
    nothing is "<1 %" (never "0 %"), and one short of the whole is ">99 %" (never "100 %")."""
    if not total or not value:
        return "0 %"
    percent = 100 * value / total
    if percent < 1:
        return "<1 %"
    if percent > 99 and value < total:
        return ">99 %"
    return f"{round(percent)} %"


def share_bars(items: list[tuple[str, str, int]]) -> list[ShareBar]:
    """(key, label, value) → one bar per group, each scaled to the whole: readable whatever the sizes (100,000 in one
    group and 3 in another), unlike a donut dominated by its largest slice."""
    total = sum(value for _, _, value in items)
    bars = []
    for key, label, value in items:
        percent = 100.0 * value / total if total else 0.0
        width = round(max(percent, 0.8 if value else 0.0), 3)
        bars.append(ShareBar(key, label, value, percent, width, share_text(value, total)))
    return bars


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 3)

    @property
    def label_y(self) -> float:
        """Where the value sits: just above the bar."""
        return round(self.y - 4, 3)


def column_chart(
    items: list[tuple[str, str, int]], *, width: float = 300, height: float = 120, gap: float = 12
) -> list[Bar]:
    """(key, label, value) → vertical bars filling a width by height box, scaled to the largest value."""
    if not items:
        return []
    largest = max(value for _, _, value in items) or 1
    bar_width = (width - gap * (len(items) - 1)) / len(items)
    bars = []
    for index, (key, label, value) in enumerate(items):
        # A non-zero value stays visible as a sliver even next to a much larger one.
        bar_height = max(height * value / largest, 1.5 if value else 0)
        bars.append(
            Bar(
                key=key,
                label=label,
                value=value,
                x=round(index * (bar_width + gap), 3),
                y=round(height - bar_height, 3),
                width=round(bar_width, 3),
                height=round(bar_height, 3),
            )
        )
    return bars


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    value: int
    x: float
    width: float
    percent: float


def stacked_bar(items: list[tuple[str, str, int]]) -> list[Segment]:
    """(key, label, value) → horizontal segments across a box 100 wide, in order."""
    total = sum(value for _, _, value in items)
    segments, x = [], 0.0
    for key, label, value in items:
        width = 100.0 * value / total if total else 0.0
        segments.append(Segment(key=key, label=label, value=value, x=round(x, 3), width=round(width, 3), percent=width))
        x += width
    return segments


def credit_segments(*, used: int, reserved: int, available: int) -> list[Segment]:
    """A credit line as one bar: used, then reserved, then what is still available."""
    return stacked_bar(
        [("used", "Used", used), ("reserved", "Reserved", reserved), ("available", "Available", available)]
    )
