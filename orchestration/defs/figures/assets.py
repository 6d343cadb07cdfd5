"""One Dagster asset per figure: read the published mart, build the Altair chart, write PNG, SVG and HTML.

The assets come from one factory over `orchestration.charts.CHART_MODULES`; a chart module
added to that package adds its figure asset here. A figure of a weekly v2 mart (tag `weekly_v2`)
is drawn by the weekly job, after it publishes (`WEEKLY_FIGURE_KEYS`); the others by
build_warehouse. A chart module may list further marts it draws from in
`CONTEXT_MARTS` (e.g. the base-model release dates it marks); they are read from the same
published version and passed to `build_chart` as keyword arguments named after the mart.
The HTML is interactive as the module's `INTERACTIVITY` declares (orchestration/charts/render.py),
and every figure is also in the findings report.

A figure is drawn again only when what it shows may have changed: `<mart>.figure.json` beside
its files records the fingerprint it was drawn from (each mart's rows and content hash, and the
charts package's code); a run whose published marts and code give the same fingerprint keeps
the files (metadata `rendered`: false) instead of spending a second or two per figure.
"""

import functools
import hashlib
import json
import os
from pathlib import Path
from types import ModuleType

import dagster as dg
import duckdb

from orchestration.defs.warehouse.dbt import weekly_v2_dbt_models
from orchestration.defs.warehouse.publish import PUBLISHED_WAREHOUSE_KEY
from orchestration.charts import CHART_MODULES
from orchestration.charts.render import Interactivity, output_paths, preview_markdown, render_chart
from orchestration.resources import FiguresResource, WarehouseResource
from orchestration.wap.versions import table_fingerprint

FIGURE_KINDS = {"altair", "png", "svg", "html"}


def build_figure_asset(chart_module: ModuleType) -> dg.AssetsDefinition:
    """The asset `figures/<mart>`, drawn from `marts.<mart>` by `chart_module.build_chart`."""
    mart: str = chart_module.MART
    context_marts: tuple[str, ...] = tuple(getattr(chart_module, "CONTEXT_MARTS", ()))

    @dg.asset(
        key=["figures", mart],
        group_name="figures",
        kinds=FIGURE_KINDS,
        # Drawn from the published warehouse, never the working one: a figure shows only data
        # that passed every gate of the run.
        deps=[
            dg.AssetKey(["marts", mart]),
            *(dg.AssetKey(["marts", name]) for name in context_marts),
            PUBLISHED_WAREHOUSE_KEY,
        ],
        description=chart_module.TITLE,
    )
    def figure(warehouse: WarehouseResource, figures: FiguresResource) -> dg.MaterializeResult:
        out_dir = figures.path()
        with warehouse.connect_published() as conn:
            (version_id,) = conn.execute("select version_id from meta.publication").fetchone()
            fingerprint = figure_fingerprint(conn, (mart, *context_marts))
            drawn = previous_drawing(out_dir, mart, fingerprint)
            if drawn is None:
                mart_df = conn.execute(f"select * from marts.{mart}").df()
                context = {name: conn.execute(f"select * from marts.{name}").df() for name in context_marts}
        rendered = drawn is None
        if rendered:
            sidecar_path(out_dir, mart).unlink(missing_ok=True)  # no stale record vouches for half-written files
            chart = chart_module.build_chart(mart_df, **context)
            render_chart(chart, out_dir, mart, chart_interactivity(chart_module), title=chart_module.TITLE)
            drawn = {"fingerprint": fingerprint, "drawn_from_version_id": version_id, "mart_rows": len(mart_df)}
            write_sidecar(out_dir, mart, drawn)
        paths = output_paths(out_dir, mart)
        return dg.MaterializeResult(
            metadata={
                "preview": dg.MetadataValue.md(
                    preview_markdown(paths["preview_png"], alt_text=chart_module.TITLE)
                ),
                "png": dg.MetadataValue.path(paths["png"]),
                "svg": dg.MetadataValue.path(paths["svg"]),
                "html": dg.MetadataValue.path(paths["html"]),
                "mart_rows": dg.MetadataValue.int(drawn["mart_rows"]),
                "dagster/row_count": dg.MetadataValue.int(drawn["mart_rows"]),
                "published_version_id": version_id,
                "rendered": rendered,
                "drawn_from_version_id": drawn["drawn_from_version_id"],
                "fingerprint": fingerprint,
            }
        )

    return figure


def sidecar_path(out_dir: Path, mart: str) -> Path:
    return out_dir / f"{mart}.figure.json"


@functools.cache
def charts_code_hash() -> str:
    """The charts package's code (every chart module, the shared helpers, the renderer)."""
    package = Path(CHART_MODULES[next(iter(CHART_MODULES))].__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def figure_fingerprint(conn: duckdb.DuckDBPyConnection, marts: tuple[str, ...]) -> str:
    """What a figure shows: its marts' rows and content hashes, and the code that draws them."""
    tables = {name: table_fingerprint(conn, f"marts.{name}") for name in marts}
    payload = json.dumps({"marts": tables, "code": charts_code_hash()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def previous_drawing(out_dir: Path, mart: str, fingerprint: str) -> dict | None:
    """The record of the figure already on disk if it was drawn from this fingerprint and all
    its files are there; None when it must be drawn."""
    try:
        record = json.loads(sidecar_path(out_dir, mart).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("fingerprint") != fingerprint:
        return None
    if not all(path.is_file() for path in output_paths(out_dir, mart).values()):
        return None
    return record


def write_sidecar(out_dir: Path, mart: str, record: dict) -> None:
    path = sidecar_path(out_dir, mart)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def chart_interactivity(chart_module: ModuleType) -> Interactivity:
    """What the module declares for its HTML page; tooltips only when it declares nothing."""
    return getattr(chart_module, "INTERACTIVITY", None) or Interactivity()


figure_assets: list[dg.AssetsDefinition] = [
    build_figure_asset(chart_module) for chart_module in CHART_MODULES.values()
]

# The figures of the weekly v2 marts: the weekly job draws them once it has published their marts.
WEEKLY_FIGURE_KEYS = [
    asset.key for asset in figure_assets if dg.AssetKey(["marts", asset.key.path[-1]]) in weekly_v2_dbt_models.keys
]
