"""The cohort's report: ``report.html`` for people, ``results.json`` for CI trends.

The HTML page is self-contained (inline CSS and SVG, no script, nothing fetched) so it can be
mailed, archived as a CI artifact or opened offline. It leads with the targets a release is
held to, then says where the cohort fell short and why (each failed call's problems), then the
detail: latencies and one timeline per call.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from difflib import SequenceMatcher
from html import escape
from pathlib import Path
from typing import Any

from visavis.eval import svg
from visavis.eval.metrics import (
    DEAD_AIR_SECONDS,
    TARGET_TASK_COMPLETION,
    CallResult,
    call_row,
    response_gaps,
    response_pairs,
)

_CSS = """
body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222;margin:24px auto;
max-width:1100px;padding:0 16px}
h1{font-size:22px;margin-bottom:2px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd}
.sub{color:#666}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:190px}
.card b{font-size:22px;display:block}.ok{color:#2e7d32}.bad{color:#c0392b}.na{color:#888}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 6px;text-align:left;
border-bottom:1px solid #eee;vertical-align:top}th{background:#f5f7f9}td.n{text-align:right}
.call{margin:10px 0 18px}.call .t{font-weight:600}.prob{color:#c0392b;font-size:12px}
"""


def percent(value: float | None) -> str:
    """A share as a whole percentage ("n/a" when there is none)."""
    return "n/a" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _mark(met: bool | None) -> str:
    if met is None:
        return '<span class="na">not measured</span>'
    return '<span class="ok">met</span>' if met else '<span class="bad">missed</span>'


def _targets(summary: dict[str, Any]) -> str:
    cards = []
    for t in summary["targets"]:
        value = t["value"]
        shown = (
            "n/a" if value is None else (f"{value:.0%}" if isinstance(value, float) else str(value))
        )
        cards.append(
            f'<div class="card">{escape(t["name"])}<b>{shown}</b>target {escape(t["target"])}: '
            f"{_mark(t['met'])}</div>"
        )
    return '<div class="cards">' + "".join(cards) + "</div>"


def _key_figures(s: dict[str, Any]) -> str:
    e, g, lat, gap = s["escalation"], s["guardrails"], s["latency_ms"], s["response_gap_s"]
    rows = [
        ("Task completion", f"{s['completed']} of {s['calls']} ({percent(s['task_completion'])})"),
        (
            "Task completion by the patient's voice",
            ", ".join(
                f"{engine} {v['completed']}/{v['calls']}" for engine, v in s["by_voice"].items()
            ),
        ),
        ("Escalation precision", percent(e["precision"])),
        ("Escalation recall (red flags and worsening)", percent(e["recall"])),
        ("Red-flag recall", percent(e["red_flag_recall"])),
        ("Wrongful escalations (well patient escalated)", str(e["wrongful"])),
        ("Follow-up booked (of calls that should book)", percent(s["follow_up_booked_rate"])),
        ("Objective variables recorded right", percent(s["variable_accuracy"])),
        ("Patient turns per call (mean)", _num(s["turns_mean"])),
        ("Call duration (mean, s)", _num(s["duration_mean"])),
        (
            "False cut-ins per call",
            f"{_num(s['cut_ins_per_call'], 2)} ({s['cut_ins_total']} in all)",
        ),
        (
            f"Dead air (> {DEAD_AIR_SECONDS:g} s) per call",
            f"{_num(s['dead_air_per_call'], 2)} ({s['dead_air_total']} in all)",
        ),
        (
            "Guardrail violations caught (of those scripted)",
            f"{g['caught']} of {g['expected']} ({percent(g['recall'])})",
        ),
        (
            "Guardrail violations by kind",
            escape(", ".join(f"{k}: {v}" for k, v in g["by_kind"].items()) or "none"),
        ),
        ("Grounded answers / follow-up items", f"{s['grounded_answers']} / {s['follow_up_items']}"),
        ("Voice-to-voice latency p50 / p90 (ms)", f"{_num(lat['p50'], 0)} / {_num(lat['p90'], 0)}"),
        (
            "Patient end to agent start p50 / p90 (s)",
            f"{_num(gap['p50'], 2)} / {_num(gap['p90'], 2)}",
        ),
        ("Calls that crashed", str(s["errors"])),
    ]
    return "<table>" + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _kinds(s: dict[str, Any]) -> str:
    head = (
        "<tr><th>kind</th><th>calls</th><th>completed</th><th>escalated (expected)</th>"
        "<th>booked</th><th>variables</th><th>turns</th><th>duration s</th><th>cut-ins</th>"
        "<th>dead air</th></tr>"
    )
    rows = []
    for kind, k in s["by_kind"].items():
        rows.append(
            f"<tr><td>{escape(kind)}</td><td class=n>{k['calls']}</td>"
            f"<td class=n>{k['completed']}/{k['calls']}</td>"
            f"<td class=n>{k['escalated']} ({k['escalate_expected']})</td>"
            f"<td class=n>{percent(k['follow_up_booked_rate'])}</td>"
            f"<td class=n>{percent(k['variable_accuracy'])}</td>"
            f"<td class=n>{_num(k['turns_mean'])}</td><td class=n>{_num(k['duration_mean'])}</td>"
            f"<td class=n>{_num(k['cut_ins_per_call'], 2)}</td>"
            f"<td class=n>{_num(k['dead_air_per_call'], 2)}</td></tr>"
        )
    return "<table>" + head + "".join(rows) + "</table>"


def _calls_table(rows: list[dict[str, Any]]) -> str:
    head = (
        "<tr><th>call</th><th>voice</th><th>result</th><th>escalated</th><th>booked</th>"
        "<th>variables</th><th>turns</th><th>s</th><th>cut-ins</th><th>dead air</th>"
        "<th>what went wrong</th></tr>"
    )
    out = []
    for r in rows:
        checks = r["variables"]
        variables = f"{sum(checks.values())}/{len(checks)}" if checks else "-"
        expected = " (expected)" if r["escalate_expected"] else ""
        wrong = "<br>".join(escape(p) for p in r["problems"])
        result = (
            '<span class="ok">ok</span>' if r["completed"] else '<span class="bad">failed</span>'
        )
        link = f'<a href="calls/{escape(r["name"])}/transcript.txt">{escape(r["name"])}</a>'
        out.append(
            f"<tr><td>{link}</td><td>{escape(r['voice'])}</td><td>{result}</td>"
            f"<td>{'yes' if r['escalated'] else 'no'}{expected}</td>"
            f"<td>{'yes' if r['follow_up_booked'] else 'no'}</td><td class=n>{variables}</td>"
            f"<td class=n>{r['turns']}</td><td class=n>{r['duration']:.0f}</td>"
            f"<td class=n>{r['cut_ins']}</td><td class=n>{r['dead_air']}</td>"
            f'<td class="prob">{wrong}</td></tr>'
        )
    return "<table>" + head + "".join(out) + "</table>"


def _timelines(results: list[CallResult]) -> str:
    longest = max((r.duration for r in results), default=1.0)
    parts = []
    for r in results:
        pairs = response_pairs(r.patient, r.agent)
        gaps = [(end, start) for end, start in pairs if start - end > DEAD_AIR_SECONDS]
        picture = svg.timeline(
            r.agent, r.patient, r.duration, gaps=gaps, cut_ins=r.cut_ins, scale_to=longest
        )
        status = "ok" if not r.problems and r.error is None else "failed"
        parts.append(
            f'<div class="call"><span class="t">{escape(r.name)}</span> '
            f'<span class="sub">{escape(r.description)} ({status}, {r.duration:.0f} s)</span>'
            f"<br>{picture}</div>"
        )
    return "".join(parts)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def _failure(r: CallResult) -> str:
    """A failed call: what it missed, and the lines the agent heard differently from what the
    patient said (an ASR slip on a red flag reads very differently from a logic error)."""
    problems = r.problems + ([f"error: {r.error}"] if r.error else [])
    slips = [
        f"<br><span class=sub>said</span> “{escape(said)}” <span class=sub>heard</span> "
        f"“{escape(heard) or '(nothing)'}”"
        for said, heard in r.heard
        if SequenceMatcher(None, _words(said), _words(heard)).ratio() < 0.85
    ]
    return (
        f"<li><b>{escape(r.name)}</b> ({escape(r.description)}, {escape(r.voice)}): "
        f"<span class=prob>{escape('; '.join(problems))}</span>{''.join(slips)}</li>"
    )


def _meta_line(meta: dict[str, Any]) -> str:
    parts = [str(meta.get("created", ""))]
    if meta.get("seed") is not None:
        parts.append(f"seed {meta['seed']}")
    if meta.get("workers") is not None:
        parts.append(f"{meta['workers']} worker processes")
    if meta.get("wall_seconds") is not None:
        parts.append(f"{meta['wall_seconds']:.0f} s wall time")
    if meta.get("rebuilt"):
        parts.append("rebuilt from the calls' results")
    return " · ".join(parts + ["embedded models on the virtual clock"])


def render_html(results: list[CallResult], summary: dict[str, Any], meta: dict[str, Any]) -> str:
    rows = [call_row(r) for r in results]
    latencies = [ms for r in results for ms in r.latencies_ms]
    gaps = [g for r in results for g in response_gaps(r.patient, r.agent)]
    lat = summary["latency_ms"]
    marks = {"p50": lat["p50"], "p90": lat["p90"]} if lat["p50"] is not None else {}
    by_kind = [(k, v["task_completion"]) for k, v in summary["by_kind"].items()]
    failed = [r for r in results if not (r.error is None and not r.problems)]
    failures = (
        "<ul>" + "".join(_failure(r) for r in failed) + "</ul>"
        if failed
        else "<p>Every call reached its expected outcome.</p>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>visavis evaluation</title>
<style>{_CSS}</style></head><body>
<h1>visavis evaluation: {summary["calls"]} simulated patients</h1>
<div class="sub">{escape(_meta_line(meta))}</div>
<h2>Targets</h2>{_targets(summary)}
<h2>Where it fell short</h2>{failures}
<h2>Key figures</h2>{_key_figures(summary)}
<h2>Task completion by kind of patient</h2>
{svg.bars(by_kind, target=TARGET_TASK_COMPLETION)}
{_kinds(summary)}
<h2>Latency</h2>
<p>Voice-to-voice latency of each agent answer (the patient's last word to the agent's first
sound, as the loop measures it), all calls together:</p>
{svg.histogram(latencies, unit="ms", marks=marks)}
<p>Silence between the end of each patient line and the agent's next start, measured on what
the simulated patient actually said (over {DEAD_AIR_SECONDS:g} s counts as dead air):</p>
{svg.histogram(gaps, unit="s", bins=16, marks={"dead air": DEAD_AIR_SECONDS})}
<h2>Calls</h2>{_calls_table(rows)}
<h2>Who spoke when</h2>
<p class="sub">Green: the patient; blue: the agent; orange: an agent reply cut by the patient;
red bands: dead air; red ticks: the agent cut in while the patient was still speaking.</p>
{_timelines(results)}
</body></html>
"""


def write_report(
    out_dir: Path, results: list[CallResult], summary: dict[str, Any], meta: dict[str, Any]
) -> tuple[Path, Path]:
    """Write ``report.html`` and ``results.json`` into ``out_dir``; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), **meta}
    html_path, json_path = out_dir / "report.html", out_dir / "results.json"
    html_path.write_text(render_html(results, summary, meta), encoding="utf-8")
    calls = [{**call_row(r), "latencies_ms": r.latencies_ms, "outcome": r.outcome} for r in results]
    data = {"version": 1, **meta, "summary": summary, "calls": calls}
    json_path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return html_path, json_path
