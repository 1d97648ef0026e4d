"""Inline SVG bar charts of a feature's reference and current distributions: no plotting
library, no external file, readable in any browser and in a mail client."""

from __future__ import annotations

from html import escape

from tenantwatch.drift.detection import Distribution

WIDTH, HEIGHT, PAD = 640, 220, 30
REFERENCE_COLOUR, CURRENT_COLOUR = "#4c78a8", "#f58518"


def bars(distribution: Distribution, title: str) -> str:
    """Side-by-side bars per bin or value: reference blue, current orange, shares on the y axis."""
    count = max(len(distribution.labels), 1)
    top = max([*distribution.reference, *distribution.current, 1e-12])
    slot = (WIDTH - 2 * PAD) / count
    bar = max(slot / 2 - 1, 0.5)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT + 40}" role="img" '
             f'aria-label="{escape(title)}">',
             f'<text x="{PAD}" y="16" font-size="13">{escape(title)}</text>',
             f'<text x="{PAD}" y="{HEIGHT + 34}" font-size="11">max share {top:.3g}; '
             f'<tspan fill="{REFERENCE_COLOUR}">reference</tspan> / <tspan fill="{CURRENT_COLOUR}">current</tspan></text>']
    for i, label in enumerate(distribution.labels):
        x = PAD + i * slot
        for offset, share, colour in ((0, distribution.reference[i], REFERENCE_COLOUR), (bar, distribution.current[i], CURRENT_COLOUR)):
            height = (HEIGHT - PAD) * share / top
            parts.append(f'<rect x="{x + offset:.1f}" y="{HEIGHT - height:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                         f'fill="{colour}"><title>{escape(label)}: {share:.4f}</title></rect>')
        if count <= 20 or i % max(count // 10, 1) == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT + 14}" font-size="9">{escape(label[:12])}</text>')
    parts.append("</svg>")
    return "".join(parts)
