"""Small server-side SVG charts (no CDN, no JavaScript). Output is markup built
from escaped labels, so it is safe to insert with Jinja's |safe."""

from __future__ import annotations

from html import escape
from typing import List, Optional, Sequence, Tuple

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


def share_chart(
    items: Sequence[Tuple[str, Optional[float], str]],
    title: str,
    *,
    target: float,
    target_label: str,
    width: int = 720,
) -> str:
    """Shares (0..1) as horizontal bars on a fixed 0-100% scale with the target as a dashed
    line; a bar at or above the target is green, below it amber. `items`: (label, share or
    None, text shown instead of a bar when the share is None). Printable: no colour carries
    meaning alone (the percentage is written next to every bar)."""
    row_h, label_w, pad, top = 24, 230, 8, 44
    bar_w = width - label_w - 64
    height = top + row_h * max(len(items), 1) + pad * 2 + 14
    target_x = label_w + bar_w * target
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<text x="{pad}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{label_w}" y1="{top - 6}" x2="{label_w}" y2="{height - pad - 14}" stroke="#999"/>',
    ]
    if not items:
        parts.append(f'<text x="{label_w + 8}" y="{top + 16}" class="empty">Chưa có dữ liệu</text>')
    for i, (label, share, note) in enumerate(items):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" font-size="12">{escape(str(label))[:42]}</text>'
        )
        if share is None:
            parts.append(
                f'<text x="{label_w + 6}" y="{y + 16}" font-size="12" fill="#555">{escape(note)}</text>'
            )
            continue
        w = max(1, round(bar_w * min(share, 1.0)))
        colour = PALETTE[2] if share >= target else "#d97706"
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row_h - 8}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + w + 4}" y="{y + 16}" font-size="12">{share * 100:.0f}%</text>')
    bottom = height - pad - 14
    parts.append(
        f'<line x1="{target_x:.1f}" y1="{top - 6}" x2="{target_x:.1f}" y2="{bottom}" stroke="#111" '
        'stroke-dasharray="5,4" stroke-width="1.5"/>'
    )
    parts.append(
        f'<text x="{target_x:.1f}" y="{top - 10}" text-anchor="middle" font-size="11">{escape(target_label)}</text>'
    )
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + bar_w * tick
        parts.append(
            f'<text x="{x:.1f}" y="{height - pad}" text-anchor="middle" font-size="10" fill="#555">{tick * 100:.0f}%</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
