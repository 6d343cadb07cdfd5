"""The findings report, as an asset: `report/findings`, one self-contained HTML page.

It depends on the published warehouse and on every figure asset (the chart registry: a new chart
module adds its figure here without any change), and writes WAREHOUSE_REPORT_DIR/findings.html:
the paper's claims next to the numbers that support or contradict them (orchestration/report/
findings.py), every figure, the data source and its date, and every check that gated the data.
"""

import datetime as dt
import os
from pathlib import Path
from types import ModuleType

import dagster as dg

from orchestration.defs.figures.assets import (
    WEEKLY_FIGURE_KEYS,
    chart_interactivity,
    figure_assets,
    figure_fingerprint,
    previous_drawing,
)
from orchestration.defs.warehouse.publish import PUBLISHED_WAREHOUSE_KEY
from orchestration.charts import CHART_MODULES
from orchestration.cli import WEEKLY_JOB
from orchestration.report.findings import (
    best_by_size,
    compute_findings,
    data_source,
    era_claims,
    has_table,
    what_changed,
)
from orchestration.report.page import ReportFigure, render_report
from orchestration.resources import FiguresResource, ReportResource, WarehouseResource

REPORT_KEY = dg.AssetKey(["report", "findings"])
REPORT_FILE_NAME = "findings.html"
FIGURE_KEYS = [asset.key for asset in figure_assets]


def figure_description(chart_module: ModuleType) -> str:
    """The first paragraph of the chart module's docstring."""
    doc = (chart_module.__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def interactions(chart_module: ModuleType) -> str:
    declared = chart_interactivity(chart_module)
    return ", ".join(
        ["hover for values"]
        + (["click the legend to show one category"] if declared.category else [])
        + (["zoom into a period"] if declared.time else [])
    )


def missing_figures(figures_dir: Path) -> list[str]:
    """The figures the report needs that are not drawn yet: a weekly v2 mart's figure is shown
    once the weekly job has drawn it, every other one must be there."""
    weekly = {key.path[-1] for key in WEEKLY_FIGURE_KEYS}
    return [mart for mart in CHART_MODULES if mart not in weekly and not (figures_dir / f"{mart}.png").exists()]


def report_figures(
    context: dg.AssetExecutionContext, figures_dir: Path, report_dir: Path, conn
) -> list[ReportFigure]:
    """Every registered chart's PNG, in registry order, with the version it was drawn from when
    that version's data differs from what the published warehouse `conn` holds now (a weekly
    load republishes the warehouse without changing what the paper's figures show). A figure of
    a weekly v2 mart is in the report once the weekly job has drawn it; every other figure must
    be there."""
    found, missing = [], missing_figures(figures_dir)
    for mart, chart_module in CHART_MODULES.items():
        png = figures_dir / f"{mart}.png"
        if not png.exists():
            continue
        html = figures_dir / f"{mart}.html"
        version = None
        shown = (mart, *getattr(chart_module, "CONTEXT_MARTS", ()))
        current = all(has_table(conn, "marts", name) for name in shown) and previous_drawing(
            figures_dir, mart, figure_fingerprint(conn, shown)) is not None
        if not current:
            event = context.instance.get_latest_materialization_event(dg.AssetKey(["figures", mart]))
            if event is not None and event.asset_materialization is not None:
                entry = event.asset_materialization.metadata.get("published_version_id")
                version = entry.value if entry is not None else None
        found.append(
            ReportFigure(
                title=chart_module.TITLE,
                description=figure_description(chart_module),
                png=png.read_bytes(),
                interactive_href=Path(os.path.relpath(html, report_dir)).as_posix() if html.exists() else None,
                interactions=interactions(chart_module),
                drawn_from_version=version,
            )
        )
    if missing:
        raise dg.Failure(
            description=f"No figure drawn yet for {', '.join(missing)} in {figures_dir}: materialise "
                        "the figures (the build_warehouse job does) before the report."
        )
    return found


@dg.asset(
    key=REPORT_KEY,
    # The weekly v2 job writes the report again (the era verdicts move to the new week) only
    # where the paper's warehouse and its figures exist; build_warehouse always writes it.
    output_required=False,
    group_name="report",
    kinds={"html"},
    deps=[PUBLISHED_WAREHOUSE_KEY, *FIGURE_KEYS],
    description=(
        "findings.html: the paper's claims next to the published numbers that support or contradict "
        "them, every figure, the data source and its date, and every check that gated the data. One "
        "self-contained page, readable offline without a terminal."
    ),
)
def findings_report(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    figures: FiguresResource,
    report: ReportResource,
):
    report_dir = report.path()
    with warehouse.connect_published() as conn:
        if context.job_name == WEEKLY_JOB:
            missing = missing_figures(figures.path())
            if not has_table(conn, "marts", "dim_models") or missing:
                context.log.info("findings report not written: the paper's warehouse and its figures are not "
                                 "built yet (the build_warehouse job writes it)")
                return
        source = data_source(conn)
        findings = compute_findings(conn)
        sizes = best_by_size(conn)
        eras = era_claims(conn)
        changes = what_changed(conn)
        shown = report_figures(context, figures.path(), report_dir, conn)
    page = render_report(
        source=source,
        findings=findings,
        sizes=sizes,
        figures=shown,
        built_at=dt.datetime.now(dt.timezone.utc),
        eras=eras,
        changes=changes,
    )
    path = report_dir / REPORT_FILE_NAME
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)  # a reader never sees half a page
    yield dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "published_version_id": source.version_id,
            "source": source.source,
            "figures": dg.MetadataValue.int(len(shown)),
            "claims": dg.MetadataValue.md(
                "\n".join(f"- **{f.verdict}**: {f.claim}" for f in findings)
            ),
            "gating_checks_passed": dg.MetadataValue.int(sum(bool(c["passed"]) for c in source.checks)),
            "gating_checks": dg.MetadataValue.int(len(source.checks)),
            "era_claims": dg.MetadataValue.md("\n".join(
                f"- {claim.claim_id}: " + ", ".join(f"{era['era']} **{era['verdict']}**" for era in claim.eras)
                for claim in eras) or "no era table (marts.era_verdicts) yet"),
            "bytes": dg.MetadataValue.int(len(page.encode("utf-8"))),
        }
    )
