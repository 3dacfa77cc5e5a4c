"""Small inline SVG charts for the evaluation report, drawn by hand.

The report must open anywhere, offline, as one file: no plotting library, no script, no font or
asset from the network. These three charts (a histogram, horizontal bars, a call's timeline)
are all it needs; each returns an ``<svg>`` element as a string.
"""

from __future__ import annotations

import math
from html import escape

PATIENT = "#2e9e5b"
AGENT = "#2f6fb5"
CUT = "#e08a1e"
ALARM = "#c0392b"
GRID = "#d8dde3"
INK = "#333"


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'font-family="sans-serif" font-size="11">' + "".join(body) + "</svg>"
    )


def _el(tag: str, text: str = "", title: str = "", **attrs: object) -> str:
    """One SVG element; attribute names use ``_`` for ``-`` (``stroke_dasharray``)."""
    values = " ".join(
        f'{k.rstrip("_").replace("_", "-")}="{f"{v:.1f}" if isinstance(v, float) else v}"'
        for k, v in attrs.items()
    )
    inner = (f"<title>{escape(title)}</title>" if title else "") + escape(text)
    return f"<{tag} {values}>{inner}</{tag}>" if inner else f"<{tag} {values}/>"


def _nice_step(span: float, ticks: int) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks."""
    raw = max(span, 1e-9) / max(ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def histogram(
    values: list[float],
    *,
    bins: int = 20,
    width: int = 620,
    height: int = 220,
    unit: str = "ms",
    marks: dict[str, float] | None = None,
) -> str:
    """Counts of ``values`` in equal bins, with optional labelled vertical marks (p50, p90)."""
    label = f"histogram of {len(values)} values ({unit})"
    if not values:
        return _svg(width, 40, [f'<text x="8" y="24" fill="{INK}">no data</text>'], label)
    left, right, top, bottom = 40, 12, 14, 34
    lo, hi = min(values), max(values)
    step = _nice_step(hi - lo or 1.0, bins)
    lo = math.floor(lo / step) * step
    n = max(1, math.ceil((hi - lo) / step + 1e-9))
    counts = [0] * n
    for v in values:
        counts[min(int((v - lo) / step), n - 1)] += 1
    peak = max(counts)
    plot_w, plot_h = width - left - right, height - top - bottom
    bar_w = plot_w / n
    body = []
    for i, c in enumerate(counts):
        h = plot_h * c / peak
        x, y = left + i * bar_w, top + plot_h - h
        tip = f"{lo + i * step:g}-{lo + (i + 1) * step:g} {unit}: {c}"
        body.append(
            _el("rect", title=tip, x=x + 1, y=y, width=max(bar_w - 2, 1), height=h, fill=AGENT)
        )
    axis_y = top + plot_h
    body.append(_el("line", x1=left, y1=axis_y, x2=width - right, y2=axis_y, stroke=INK))
    every = max(1, n // 8)
    for i in range(0, n + 1, every):
        tick = f"{lo + i * step:g}"
        body.append(
            _el("text", tick, x=left + i * bar_w, y=axis_y + 14, text_anchor="middle", fill=INK)
        )
    body.append(_el("text", unit, x=width - right, y=height - 4, text_anchor="end", fill=INK))
    body.append(_el("text", str(peak), x=left - 6, y=top + 8, text_anchor="end", fill=INK))
    for name, value in (marks or {}).items():
        x = left + (value - lo) / (n * step) * plot_w
        body.append(
            _el("line", x1=x, y1=top, x2=x, y2=axis_y, stroke=ALARM, stroke_dasharray="4 3")
        )
        body.append(_el("text", f"{name} {value:g}", x=x + 3, y=top + 10, fill=ALARM))
    return _svg(width, height, body, label)


def bars(
    items: list[tuple[str, float | None]], *, width: int = 620, target: float | None = None
) -> str:
    """Horizontal bars of fractions (0-1), one per label; ``target``: a dashed line."""
    row, left, right = 20, 170, 50
    height = row * len(items) + 10
    plot_w = width - left - right
    body = []
    for i, (name, value) in enumerate(items):
        y = 5 + i * row
        body.append(_el("text", name, x=left - 6, y=y + 13, text_anchor="end", fill=INK))
        body.append(_el("rect", x=left, y=y + 3, width=plot_w, height=row - 6, fill=GRID))
        if value is None:
            continue
        color = PATIENT if target is None or value >= target else ALARM
        body.append(_el("rect", x=left, y=y + 3, width=plot_w * value, height=row - 6, fill=color))
        body.append(_el("text", f"{value:.0%}", x=left + plot_w + 4, y=y + 13, fill=INK))
    if target is not None:
        x = left + plot_w * target
        body.append(
            _el("line", x1=x, y1=2, x2=x, y2=height - 2, stroke=INK, stroke_dasharray="3 3")
        )
    return _svg(width, height, body, "fraction per group")


def timeline(
    agent: list[tuple[float, float, bool]],
    patient: list[tuple[float, float]],
    duration: float,
    *,
    gaps: list[tuple[float, float]] | None = None,
    cut_ins: list[float] | None = None,
    width: int = 760,
    scale_to: float | None = None,
) -> str:
    """Who spoke when: the patient's lines above, the agent's replies below (cut ones in
    orange), dead air as red bands between them and cut-ins as red ticks. ``scale_to``: the
    seconds the full width stands for, so calls of one report share a scale."""
    left, lane, height = 56, 14, 58
    span = max(scale_to or duration, 1.0)
    px = (width - left - 8) / span

    def x(t: float) -> float:
        return left + t * px

    body = [
        _el("text", "patient", x=left - 6, y=15, text_anchor="end", fill=PATIENT),
        _el("text", "agent", x=left - 6, y=37, text_anchor="end", fill=AGENT),
        _el("rect", x=left, y=4, width=duration * px, height=38, fill="#f5f7f9"),
    ]
    for start, end in gaps or []:
        tip = f"dead air {end - start:.1f} s"
        body.append(
            _el(
                "rect",
                title=tip,
                x=x(start),
                y=4,
                width=(end - start) * px,
                height=38,
                fill=ALARM,
                opacity="0.25",
            )
        )
    for start, end in patient:
        tip = f"patient {start:.1f}-{end:.1f} s"
        w = max((end - start) * px, 1.0)
        body.append(_el("rect", title=tip, x=x(start), y=5, width=w, height=lane, fill=PATIENT))
    for start, end, interrupted in agent:
        tip = f"agent {start:.1f}-{end:.1f} s" + (" (cut)" if interrupted else "")
        w = max((end - start) * px, 1.0)
        color = CUT if interrupted else AGENT
        body.append(_el("rect", title=tip, x=x(start), y=27, width=w, height=lane, fill=color))
    for t in cut_ins or []:
        body.append(
            _el(
                "line",
                title=f"cut-in at {t:.1f} s",
                x1=x(t),
                y1=2,
                x2=x(t),
                y2=44,
                stroke=ALARM,
                stroke_width=2,
            )
        )
    step = _nice_step(span, 8)
    t = 0.0
    while t <= span + 1e-9:
        body.append(_el("text", f"{t:g}s", x=x(t), y=height - 2, text_anchor="middle", fill="#777"))
        t += step
    return _svg(width, height, body, f"who spoke when, {duration:.0f} s call")
