"""Geometry for the staff pages' inline SVG charts. The templates draw them; colours come from the stylesheet
(classes, never inline styles, so the strict Content-Security-Policy holds) and every chart also states its numbers
in text, for screen readers and for people who prefer figures."""

from dataclasses import dataclass

# A circle of this radius has a circumference of 100, so dash lengths are percentages.
DONUT_RADIUS = 15.91549430918954


@dataclass(frozen=True)
class DonutSegment:
    key: str
    label: str
    value: int
    percent: float
    dasharray: str
    dashoffset: str


def donut(items: list[tuple[str, str, int]]) -> list[DonutSegment]:
    """(key, label, value) → segments starting at twelve o'clock, clockwise. Zero values get no arc."""
    total = sum(value for _, _, value in items)
    segments, start = [], 0.0
    for key, label, value in items:
        percent = 100.0 * value / total if total else 0.0
        segments.append(
            DonutSegment(
                key=key,
                label=label,
                value=value,
                percent=percent,
                dasharray=f"{percent:.3f} {100 - percent:.3f}",
                # A dash starts at three o'clock; 25 units back puts the first one at twelve.
                dashoffset=f"{25 - start:.3f}",
            )
        )
        start += percent
    return segments


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
