"""Small server-side SVG charts (no CDN, no JavaScript). Output is markup built
from escaped labels, so it is safe to insert with Jinja's |safe."""

from __future__ import annotations

from html import escape
from typing import List, Sequence, Tuple

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea")


def _fmt(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}".replace(",", ".")


def _short(label: str, chars: int) -> str:
    label = str(label)
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def hbar_chart(items: Sequence[Tuple[str, float]], title: str, *, unit: str = "", width: int = 560) -> str:
    """Horizontal bars: one row per label (top intents, channels, areas)."""
    row_h, label_w, pad = 22, 250, 8
    height = pad * 2 + 24 + row_h * max(len(items), 1)
    peak = max([v for _, v in items] or [0]) or 1
    bar_w = width - label_w - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if not items:
        parts.append(f'<text x="{pad}" y="{pad + 30}" class="empty">Chưa có dữ liệu</text>')
    for i, (label, value) in enumerate(items):
        y = pad + 24 + i * row_h
        w = max(1, round(bar_w * value / peak))
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"<title>{escape(str(label))}</title>{escape(_short(label, 38))}</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 6}" fill="{PALETTE[0]}"/>'
        )
        parts.append(
            f'<text x="{label_w + w + 4}" y="{y + 15}" font-size="12">{_fmt(value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    days: List[str],
    series: Sequence[Tuple[str, Sequence[float]]],
    title: str,
    *,
    width: int = 720,
    height: int = 240,
    unit: str = "",
) -> str:
    """Daily series as polylines with a legend; x labels thinned to stay readable."""
    left, right, top, bottom = 48, 22, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([max(values) if values else 0 for _, values in series] or [0]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="11">{_fmt(peak)}{escape(unit)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    if not days:
        parts.append(f'<text x="{left + 10}" y="{top + 30}" class="empty">Chưa có dữ liệu</text>')
    n = len(days)
    step = plot_w / max(n - 1, 1)
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        points = " ".join(
            f"{left + i * step:.1f},{top + plot_h - plot_h * v / peak:.1f}" for i, v in enumerate(values)
        )
        if n == 1 and values:
            x, y = left, top + plot_h - plot_h * values[0] / peak
            parts.append(f'<circle cx="{x}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        elif points:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(f'<rect x="{left + 10 + s * 170}" y="6" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + 24 + s * 170}" y="15" font-size="12">{escape(name)}</text>')
    every = max(1, n // 8)
    for i, day in enumerate(days):
        if (n - 1 - i) % every == 0:  # counted back from the last day, which is always labelled
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{height - 12}" text-anchor="middle" font-size="10">{escape(day[5:])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
