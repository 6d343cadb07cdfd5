"""The findings report as one self-contained HTML page: open it from disk, offline, in any browser.

Figures are inlined as base64 PNG; the page has no script and loads nothing (no URL at all):
it can be mailed or archived as a single file. Each figure links to its interactive HTML beside
it in the figures directory, by a relative path.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.report.findings import CONTRADICTS, MIXED, SUPPORTS, DataSource, EraClaim, Finding, WhatChanged

VERDICT_LABELS = {
    SUPPORTS: ("Supported", "supports"),
    CONTRADICTS: ("Contradicted", "contradicts"),
    MIXED: ("Mixed", "mixed"),
}


@dataclass(frozen=True)
class ReportFigure:
    title: str
    description: str
    png: bytes
    """The figure's PNG (drawn at 2x: shown at half its pixel width)."""
    interactive_href: str | None = None
    """A relative link to the interactive HTML, if there is one."""
    interactions: str = "hover for values"
    """What the interactive version lets a reader do."""
    drawn_from_version: str | None = None
    """The warehouse version the figure was drawn from, when known."""


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def esc(value: Any) -> str:
    return html.escape(str(value))


def when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%d %B %Y, %H:%M UTC")
    if isinstance(value, dt.date):
        return value.strftime("%d %B %Y")
    return esc(value) if value is not None else "unknown"


def day(value: Any) -> str:
    return value.strftime("%d %B %Y") if isinstance(value, (dt.date, dt.datetime)) else "unknown"


CSS = """
  :root { color-scheme: light; }
  body { font-family: Georgia, 'Times New Roman', serif; color: #222; background: #fff;
         max-width: 980px; margin: 0 auto; padding: 24px 28px 64px; line-height: 1.5; }
  h1, h2, h3, th, .verdict, .meta, figcaption, nav { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; }
  h1 { font-size: 30px; margin-bottom: 4px; }
  h2 { font-size: 22px; margin-top: 44px; border-bottom: 2px solid #e4e4e4; padding-bottom: 4px; }
  .lede { font-size: 19px; color: #444; margin-top: 0; }
  .meta { color: #666; font-size: 14px; }
  .notice { background: #fff6e0; border-left: 5px solid #e0a100; padding: 10px 16px; margin: 18px 0; }
  .notice.real { background: #eef6ee; border-left-color: #4a9a4a; }
  table { border-collapse: collapse; width: 100%; margin: 12px 0; font-size: 15px; }
  th, td { text-align: left; vertical-align: top; padding: 8px 10px; border-bottom: 1px solid #e4e4e4; }
  th { background: #f5f5f5; font-size: 14px; }
  td.number { text-align: right; font-variant-numeric: tabular-nums; }
  .verdict { display: inline-block; font-weight: 600; font-size: 14px; padding: 2px 10px;
             border-radius: 12px; white-space: nowrap; }
  .verdict.supports { background: #dff0df; color: #1f5e1f; }
  .verdict.contradicts { background: #f8dede; color: #8a1f1f; }
  .verdict.mixed { background: #fdf0cf; color: #6b4e00; }
  .verdict.no-data { background: #eee; color: #555; }
  details { margin-top: 6px; font-size: 14px; }
  summary { cursor: pointer; color: #225; }
  pre { background: #f7f7f7; padding: 10px; overflow-x: auto; font-size: 12.5px; line-height: 1.35; }
  figure { margin: 28px 0 40px; }
  figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
  figcaption { font-size: 14px; color: #444; margin-top: 6px; }
  .passed { color: #1f5e1f; font-weight: 600; }
  .failed { color: #8a1f1f; font-weight: 600; }
  nav ul { padding-left: 20px; }
  dt { font-weight: 600; margin-top: 8px; }
  dd { margin-left: 18px; }
"""


def render_report(
    *,
    source: DataSource,
    findings: Sequence[Finding],
    sizes: Sequence[dict[str, Any]],
    figures: Sequence[ReportFigure],
    built_at: dt.datetime,
    eras: Sequence[EraClaim] = (),
    changes: WhatChanged | None = None,
) -> str:
    """The whole page; the claims across eras when the warehouse has them (marts.era_verdicts)."""
    sections = [
        _header(source, findings, built_at),
        _contents(figures, eras=bool(eras)),
        _claims(findings, sizes),
        *([_eras(eras, changes)] if eras else []),
        _figures(figures, source),
        _data(source),
        _checks(source.checks),
        _quarantine(source.quarantine),
        _glossary(),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Open LLM warehouse: findings</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )


def _verdict(verdict: str) -> str:
    label, css = VERDICT_LABELS.get(verdict, ("Not enough data", "no-data"))
    return f'<span class="verdict {css}">{label}</span>'


def _header(source: DataSource, findings: Sequence[Finding], built_at: dt.datetime) -> str:
    supported = sum(f.verdict == SUPPORTS for f in findings)
    passed = sum(bool(c["passed"]) for c in source.checks)
    if source.generated:
        notice = (
            '<p class="notice"><strong>Test data, not real data.</strong> This report was built from '
            "data that the project generates itself so that it can run without the internet. It has "
            "the shape of the real Hugging Face data but none of its content: the numbers below show "
            "how the report works, not what the open-model community did. A report on the real data "
            "is built by pointing <code>WAREHOUSE_SNAPSHOT_DIR</code> at the paper's snapshot.</p>"
        )
    else:
        notice = (
            '<p class="notice real"><strong>Real data.</strong> Built from the files in '
            f"<code>{esc(source.source_dir)}</code>, listed under <a href=\"#data\">Data and its date</a>.</p>"
        )
    return f"""<header>
<h1>Open LLM warehouse: findings</h1>
<p class="lede">Is open source the future of AI? The claims of Vake et al. (2025), checked against
the published data warehouse of open large language models.</p>
<p class="meta">Warehouse version {esc(source.version_id)}, published {when(source.published_at)}.
Report written {when(built_at)}. {supported} of {len(findings)} claims supported;
{passed} of {len(source.checks)} quality checks passed.</p>
{notice}
</header>"""


def _contents(figures: Sequence[ReportFigure], *, eras: bool = False) -> str:
    era_item = '<li><a href="#eras">The claims across eras</a></li>\n' if eras else ""
    return f"""<nav>
<strong>Contents</strong>
<ul>
<li><a href="#claims">The paper's claims, checked</a></li>
{era_item}<li><a href="#figures">Figures</a> ({len(figures)})</li>
<li><a href="#data">Data and its date</a></li>
<li><a href="#checks">Quality checks</a></li>
<li><a href="#glossary">Words used here</a></li>
</ul>
</nav>"""


def _claims(findings: Sequence[Finding], sizes: Sequence[dict[str, Any]]) -> str:
    rows = "\n".join(
        f"""<tr>
<td>{esc(f.claim)}</td>
<td>{esc(f.evidence)}
<details><summary>How this was decided</summary>
<p>{esc(f.rule)}</p>
<p>The numbers come from this query on the published warehouse (<code>make sql</code>):</p>
<pre>{esc(f.sql)}</pre></details></td>
<td>{_verdict(f.verdict)}</td>
</tr>"""
        for f in findings
    )
    size_rows = "\n".join(
        f"<tr><td>{esc(s['size_class'])}</td><td class=\"number\">{s['models']:,}</td>"
        f"<td class=\"number\">{s['best_average']:.2f}</td><td>{esc(s['best_model_id'])}</td>"
        f"<td class=\"number\">{s['median_average']:.2f}</td></tr>"
        for s in sizes
    )
    return f"""<section id="claims">
<h2>The paper's claims, checked</h2>
<p>Each claim of the paper sits next to the number from the warehouse that supports or
contradicts it. The verdict follows a fixed rule, shown with the query under
"How this was decided", so that anyone can check it.</p>
<table>
<thead><tr><th style="width:26%">The paper says</th><th>What the warehouse shows</th><th style="width:13%">Verdict</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<h3>Best leaderboard Average by model size</h3>
<p>Size is the number of parameters, in billions (B). Models without a known size are left out.</p>
<table>
<thead><tr><th>Size</th><th>Models</th><th>Best Average</th><th>Best model</th><th>Median Average</th></tr></thead>
<tbody>
{size_rows}
</tbody>
</table>
</section>"""


def _share(value: float) -> str:
    return f"{value:.1%}"


def _points(value: float) -> str:
    return f"{value:+.2f} points"


# How each claim's measure and reference read (marts.era_verdicts: measure_name, reference_name).
ERA_NUMBER_FORMATS = {
    "rise_of_tuned_models": (_share, _share),
    "concentration_on_few_bases": (_share, _share),
    "community_improves_bases": (_points, _share),
    "small_models_manageable_loss": (_share, lambda value: f"{value:.2f}"),
}


def _era_cell(claim: EraClaim, era: dict[str, Any]) -> str:
    if era["note"]:
        return f"{_verdict(era['verdict'])}<br><small>{esc(era['note'])}</small>"
    measure_format, reference_format = ERA_NUMBER_FORMATS[claim.claim_id]
    numbers = (f"{measure_format(era['measure'])} (against {reference_format(era['reference'])})"
               if era["measure"] is not None and era["reference"] is not None else "")
    return f"{_verdict(era['verdict'])}<br><small>{numbers}; {era['models']:,} models</small>"


def _eras(eras: Sequence[EraClaim], changes: WhatChanged | None) -> str:
    header = "".join(
        f"<th>{esc(era['era_label'])}<br><small>data to {day(era['era_as_of'])}</small></th>" for era in eras[0].eras
    )
    rows = "\n".join(
        f"""<tr>
<td>{esc(claim.claim)}
<details><summary>How this was decided</summary>
<p>{esc(claim.rule)} The number is the {esc(claim.measure_name)}, against {esc(claim.reference_name)}.</p>
<p>The numbers come from this query on the published warehouse (<code>make sql</code>); the dbt
model <code>era_verdicts</code> computes every era by the same SQL, over <code>marts.era_models</code>:</p>
<pre>{esc(claim.sql)}</pre></details></td>
{"".join(f"<td>{_era_cell(claim, era)}</td>" for era in claim.eras)}
</tr>"""
        for claim in eras
    )
    return f"""<section id="eras">
<h2>The claims across eras</h2>
<p>The same claims, each decided by one fixed rule, on three states of the leaderboard side by
side: the paper's own snapshot, the final table of the v1 leaderboard, and the latest week of
the v2 leaderboard loaded. Each era's models are kept by the same rules (each model's best
evaluation; flagged models out). The v2 leaderboard scores other benchmarks, so its Average is
not the v1 Average: compare verdicts, not points.</p>
<table>
<thead><tr><th style="width:28%">The paper says</th>{header}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
{_what_changed(changes) if changes else ""}
</section>"""


def _what_changed(changes: WhatChanged) -> str:
    merges = "; ".join(
        f"{esc(row['era'])}: {_share(row['merge_share'])} ({row['merges']:,} of {row['models']:,})" for row in changes.merges
    )
    parts = [f"""<h3>What changed</h3>
<p><strong>The rise of merges.</strong> Share of merges (type merge, or flagged as merged) among
each era's models: {merges}.</p>
<details><summary>The query</summary><pre>{esc(changes.merge_sql)}</pre></details>"""]
    if changes.v2_history:
        parts.append(_math_rescoring(changes))
    return "\n".join(parts)


BULK_RESCORING_SHARE = 0.10
"""A snapshot restating at least this share of the evaluations it lists re-scored them in bulk."""


def _math_rescoring(changes: WhatChanged) -> str:
    restated = changes.math_restatement
    if restated is None:
        return "<p><strong>MATH Lvl 5 re-scoring.</strong> The loaded v2 history restates no MATH score.</p>"
    by_side = {row["side"]: row for row in changes.math_improvement}
    improvement = ""
    if "before" in by_side and "after" in by_side:
        before, after = by_side["before"], by_side["after"]
        improvement = (
            f" On the {before['models']:,} fine-tuned and chat models compared with their base on both days, "
            f"the mean MATH improvement over the base went from {_points(before['mean_improvement'])} "
            f"({_share(before['share_improved'])} improving) the day before to "
            f"{_points(after['mean_improvement'])} ({_share(after['share_improved'])} improving) after."
        )
    bulk = restated["math_restated"] >= BULK_RESCORING_SHARE * restated["evaluations_listed"]
    verdict = ("the largest re-scoring the loaded weeks show" if bulk else
               f"no bulk re-scoring (of at least {BULK_RESCORING_SHARE:.0%} of the evaluations) is in the loaded weeks")
    return f"""<p><strong>MATH Lvl 5 re-scoring.</strong> The snapshot of
{day(restated['snapshot_date'])} restated the MATH Lvl 5 score of {restated['math_restated']:,} of the
{restated['evaluations_listed']:,} evaluations listed then (against their version of
{day(restated['previous_snapshot_date'])}), by {_points(restated['mean_change'])} on average: {verdict}.{improvement}</p>
<details><summary>The queries</summary><pre>{esc(changes.restatement_sql)}</pre>
<pre>{esc(changes.improvement_sql)}</pre></details>"""


def _figures(figures: Sequence[ReportFigure], source: DataSource) -> str:
    items = []
    for number, figure in enumerate(figures, start=1):
        width, height = png_size(figure.png)
        encoded = base64.b64encode(figure.png).decode("ascii")
        notes = [esc(figure.description)] if figure.description else []
        if figure.drawn_from_version and figure.drawn_from_version != source.version_id:
            notes.append(
                f"<strong>Drawn from an earlier warehouse version ({esc(figure.drawn_from_version)}).</strong>"
            )
        if figure.interactive_href:
            notes.append(
                f'An <a href="{esc(figure.interactive_href)}">interactive version</a> '
                f"({esc(figure.interactions)}) is in the figures folder."
            )
        items.append(
            f"""<figure id="figure-{number}">
<img src="data:image/png;base64,{encoded}" width="{width // 2}" height="{height // 2}" alt="{esc(figure.title)}">
<figcaption><strong>{esc(figure.title)}.</strong> {" ".join(notes)}</figcaption>
</figure>"""
        )
    return f"""<section id="figures">
<h2>Figures</h2>
<p>Every figure of the warehouse, drawn from the same published version as the numbers above.</p>
{"".join(items)}
</section>"""


def _data(source: DataSource) -> str:
    files = "\n".join(
        f"<tr><td>{esc(f['source_file'])}</td><td>{esc(f['table_name'])}</td>"
        f"<td class=\"number\">{f['row_count']:,}</td><td><code>{esc(str(f['checksum_sha256'])[:16])}…</code></td></tr>"
        for f in source.files
    )
    weekly = (
        f"<li>The weekly v2 leaderboard: {source.weekly_v2['weeks']} weekly snapshots, from the week of "
        f"{day(source.weekly_v2['first_week'])} to the week of {day(source.weekly_v2['last_week'])}.</li>"
        if source.weekly_v2 else ""
    )
    origin = ("data generated by the project (offline test data)" if source.generated
              else "a snapshot of the Open LLM Leaderboard and the Hugging Face Hub")
    return f"""<section id="data">
<h2>Data and its date</h2>
<ul>
<li>Source: {origin}, read from <code>{esc(source.source_dir)}</code>.</li>
<li>Models: {source.models:,} models on the leaderboard (flagged models left out), created on the
Hugging Face Hub between {day(source.first_created)} and {day(source.last_created)}.</li>
{weekly}
<li>Warehouse version {esc(source.version_id)}, published {when(source.published_at)}.</li>
</ul>
<table>
<thead><tr><th>Source file</th><th>Loaded into</th><th>Rows</th><th>Checksum (SHA-256)</th></tr></thead>
<tbody>
{files}
</tbody>
</table>
</section>"""


def _checks(checks: Sequence[dict[str, Any]]) -> str:
    passed = sum(bool(c["passed"]) for c in checks)
    failed = [c for c in checks if not c["passed"]]
    rows = "\n".join(
        f"<tr><td>{esc(c['asset_key'])}</td><td>{esc(c['check_name'])}</td>"
        f"<td class=\"{'passed' if c['passed'] else 'failed'}\">{'passed' if c['passed'] else 'FAILED'}</td>"
        f"<td>{esc((c['severity'] or '').lower())}</td></tr>"
        for c in checks
    )
    status = (
        f"All {len(checks)} checks passed." if not failed
        else f"{passed} of {len(checks)} checks passed; {len(failed)} did not (only warnings can fail "
             "without stopping publication): " + ", ".join(esc(c["check_name"]) for c in failed) + "."
    )
    return f"""<section id="checks">
<h2>Quality checks</h2>
<p>Before any data reaches the warehouse, every step is checked: the raw files against their
expected format (Great Expectations), and every table built from them by tests (dbt). A failed
check of severity "error" stops publication, so nothing that failed one is in this report.
These are the checks that gated this version. {status}</p>
<details{' open' if failed else ''}><summary>Every check ({len(checks)})</summary>
<table>
<thead><tr><th>Data</th><th>Check</th><th>Result</th><th>Severity</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</details>
</section>"""


def _quarantine(quarantined: Sequence[dict[str, Any]]) -> str:
    """The rows a row-level rule set aside (audit.quarantine): left out, never silently."""
    if not quarantined:
        body = "<p>No row was quarantined: every row of the source files is in the data.</p>"
    else:
        rows = "\n".join(
            f"<tr><td>{esc(q['source'])}</td><td>{esc(Path(str(q['source_file'])).name)}</td>"
            f"<td class=\"number\">{q['source_row']}</td><td>{esc(q['column_name'])}</td>"
            f"<td><code>{esc(str(q['value'])[:60])}</code></td><td>{esc(q['reason'])}</td></tr>"
            for q in quarantined
        )
        body = f"""<p>{len(quarantined)} row value(s) broke a row-level rule (a score outside 0–100, an
unknown model type, a date before 2015 or in the future). Those rows were left out of every
table and figure, and are kept in <code>audit.quarantine</code> with the reason:</p>
<table>
<thead><tr><th>Data</th><th>File</th><th>Row</th><th>Column</th><th>Value</th><th>Reason</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>"""
    return f"""<section id="quarantine">
<h2>Quarantined rows</h2>
{body}
</section>"""


def _glossary() -> str:
    return """<section id="glossary">
<h2>Words used here</h2>
<dl>
<dt>Base model</dt><dd>A model trained from scratch by a lab (for example Llama 2 or Mistral 7B), which others adapt.</dd>
<dt>Fine-tuned model</dt><dd>A base model trained further on new data for a task or a domain.</dd>
<dt>Chat model</dt><dd>A model tuned to follow instructions and hold a conversation.</dd>
<dt>Merge</dt><dd>A model made by combining the weights of several models, without training.</dd>
<dt>Leaderboard Average</dt><dd>The mean score (0 to 100) of a model over the six benchmarks of the
Open LLM Leaderboard (v1): ARC, HellaSwag, MMLU, TruthfulQA, Winogrande and GSM8K.</dd>
<dt>Parameters (B)</dt><dd>The size of a model, in billions of numbers learnt in training; larger
models need more memory and computing power to run.</dd>
<dt>Architecture</dt><dd>The design a model is built on; models of the Llama or Mistral architecture
share their base model's design.</dd>
</dl>
</section>"""
