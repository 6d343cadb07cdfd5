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

from orchestration.assets.figures import WEEKLY_FIGURE_KEYS, chart_interactivity, figure_assets
from orchestration.assets.publish import PUBLISHED_WAREHOUSE_KEY
from orchestration.charts import CHART_MODULES
from orchestration.report.findings import best_by_size, compute_findings, data_source
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


def report_figures(
    context: dg.AssetExecutionContext, figures_dir: Path, report_dir: Path
) -> list[ReportFigure]:
    """Every registered chart's PNG, in registry order, with the version it was drawn from. A
    figure of a weekly v2 mart is in the report once the weekly job has drawn it (`make run`
    writes the report again after its backfill); every other figure must be there."""
    weekly = {key.path[-1] for key in WEEKLY_FIGURE_KEYS}
    found, missing = [], []
    for mart, chart_module in CHART_MODULES.items():
        png = figures_dir / f"{mart}.png"
        if not png.exists():
            if mart not in weekly:
                missing.append(mart)
            continue
        html = figures_dir / f"{mart}.html"
        event = context.instance.get_latest_materialization_event(dg.AssetKey(["figures", mart]))
        version = None
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
) -> dg.MaterializeResult:
    with warehouse.connect_published() as conn:
        source = data_source(conn)
        findings = compute_findings(conn)
        sizes = best_by_size(conn)
    report_dir = report.path()
    shown = report_figures(context, figures.path(), report_dir)
    page = render_report(
        source=source,
        findings=findings,
        sizes=sizes,
        figures=shown,
        built_at=dt.datetime.now(dt.timezone.utc),
    )
    path = report_dir / REPORT_FILE_NAME
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)  # a reader never sees half a page
    return dg.MaterializeResult(
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
            "bytes": dg.MetadataValue.int(len(page.encode("utf-8"))),
        }
    )
