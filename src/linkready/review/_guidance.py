"""How many labels: the sample-size table in docs/review.md, computed here (a docs test
checks the page against it)."""

from __future__ import annotations

from linkready.review._estimate import srs_labels_needed

SHARES: tuple[float, ...] = (0.80, 0.90, 0.95, 0.98, 0.99)
HALF_WIDTHS: tuple[float, ...] = (0.05, 0.02)


def sample_size_table() -> str:
    """A Markdown table: labels needed for a 95% interval of ±5 and ±2 points on a share
    (precision among linked records, or recall among true matches) near each value, by
    simple random sampling of the records it is a share of."""
    head = ["| true precision or recall |", *[f" ±{h * 100:g} points |" for h in HALF_WIDTHS]]
    lines = ["".join(head), "|---|" + "---:|" * len(HALF_WIDTHS)]
    for p in SHARES:
        cells = "".join(f" {srs_labels_needed(p, h):,} |" for h in HALF_WIDTHS)
        lines.append(f"| {p:.0%} |{cells}")
    return "\n".join(lines)
