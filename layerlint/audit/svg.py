"""Charts as inline SVG strings: no script, no external asset, readable in any browser and
in an e-mail preview. Every value drawn is also written as text beside its bar."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

CACHED = "#2f9e6a"
UNCACHED = "#e0523f"
RULE = "#5868d8"
MUTED = "#6b7280"
FONT = "font-family=\"inherit\""


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[int, ...]
    note: str = ""  # the full label, shown as a tooltip when cut


# Text is measured without a browser, from widths per character (in em) that are at least
# those of the widest common sans-serif fonts (DejaVu Sans, Arial/Liberation Sans,
# Segoe UI), so a label is never cut at the edge of the drawing; tests/audit check it in
# Chromium. Anything outside ASCII counts as a full em.
FONT_SIZE = 13
MIN_BARS_WIDTH = 240
_NARROW = frozenset("ijlftrI.,:;'|!- ()[]")
_WIDE = frozenset("mwMW@%")


def _em(ch: str) -> float:
    if ch in _NARROW:
        return 0.42
    if ch in _WIDE or ch > "~":
        return 1.0
    return 0.8 if ch.isupper() else 0.64


def text_width(text: str) -> float:
    """Pixels that ``text`` takes at most at the charts' font size."""
    return FONT_SIZE * sum(map(_em, text))


def _fit(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _value_label(row: Row, fields: tuple[str, ...]) -> str:
    if len(row.values) == 1:
        return str(row.values[0])
    return ", ".join(f"{v} {f}" for f, v in zip(fields, row.values, strict=True) if v) or "0"


def stacked_bars(rows: list[Row], colors: tuple[str, ...], kind: str,
                 fields: tuple[str, ...], width: int = 760, label_chars: int = 30) -> str:
    """Horizontal bars, one per row, each the stack of its values. ``fields`` names each
    value in ``data-*`` attributes (``kind`` names the group), which tests read back.

    Room on the left is the longest label's (labels longer than ``label_chars`` are cut,
    the full text in the tooltip), on the right the longest value's ("13 cached, 57
    uncached"); the bars get the rest of ``width``, and the drawing widens when that
    would leave them less than ``MIN_BARS_WIDTH``."""
    bar_h, gap, pad = 18, 10, 8
    labels = [_fit(r.label, label_chars) for r in rows]
    values = [_value_label(r, fields) for r in rows]
    label_w = round(max(map(text_width, labels), default=0) + 2 * pad)
    right = round(6 + max(map(text_width, values), default=0) + pad)
    room = max(width - label_w - right, MIN_BARS_WIDTH)
    width = label_w + room + right
    height = max(1, len(rows)) * (bar_h + gap) + gap
    scale_max = max((sum(r.values) for r in rows), default=0) or 1
    out = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
           f'style="max-width:{width}px" xmlns="http://www.w3.org/2000/svg" {FONT} '
           f'font-size="{FONT_SIZE}">']
    for i, row in enumerate(rows):
        y = gap + i * (bar_h + gap)
        attrs = " ".join(f'data-{f}="{v}"' for f, v in zip(fields, row.values, strict=True))
        out.append(f'<g class="bar" data-kind="{kind}" data-label="{escape(row.label)}" {attrs}>')
        out.append(f"<title>{escape(row.note or row.label)}: "
                   + escape(", ".join(f"{v} {f}" for f, v in zip(fields, row.values,
                                                                 strict=True)))
                   + "</title>")
        out.append(f'<text x="{label_w - pad}" y="{y + bar_h - 4}" text-anchor="end" '
                   f'fill="#1f2937">{escape(labels[i])}</text>')
        x = float(label_w)
        for value, color in zip(row.values, colors, strict=True):
            w = room * value / scale_max
            if value:
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 2):.1f}" '
                           f'height="{bar_h}" rx="3" fill="{color}"/>')
            x += w
        out.append(f'<text class="value" x="{x + 6:.1f}" y="{y + bar_h - 4}" '
                   f'fill="{MUTED}">{escape(values[i])}</text>')
        out.append("</g>")
    if not rows:
        out.append(f'<text x="{width / 2}" y="{gap + 12}" text-anchor="middle" '
                   f'fill="{MUTED}">nothing to show</text>')
    out.append("</svg>")
    return "\n".join(out)


def donut(part: int, whole: int, size: int = 132) -> str:
    """The share of cached builds as a ring, the percentage in its middle."""
    r, stroke = size / 2 - 12, 18
    c = 2 * math.pi * r
    share = part / whole if whole else 0.0
    label = f"{100 * share:.0f}%" if whole else "-"
    mid = size / 2
    return (
        f'<svg class="donut" role="img" viewBox="0 0 {size} {size}" width="{size}" '
        f'height="{size}" xmlns="http://www.w3.org/2000/svg" data-cached="{part}" '
        f'data-builds="{whole}" {FONT}>'
        f"<title>{part} of {whole} image builds reuse a layer cache</title>"
        f'<circle cx="{mid}" cy="{mid}" r="{r:.1f}" fill="none" stroke="'
        f'{UNCACHED if whole else "#e5e7eb"}" stroke-width="{stroke}"/>'
        f'<circle cx="{mid}" cy="{mid}" r="{r:.1f}" fill="none" stroke="{CACHED}" '
        f'stroke-width="{stroke}" stroke-dasharray="{c * share:.2f} {c:.2f}" '
        f'transform="rotate(-90 {mid} {mid})"/>'
        f'<text x="{mid}" y="{mid + 2}" text-anchor="middle" font-size="26" '
        f'font-weight="700" fill="#111827">{label}</text>'
        f'<text x="{mid}" y="{mid + 22}" text-anchor="middle" font-size="12" '
        f'fill="{MUTED}">cached</text></svg>'
    )
