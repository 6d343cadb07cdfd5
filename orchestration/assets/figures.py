"""One Dagster asset per figure: read the published mart, build the Altair chart, write PNG, SVG and HTML.

The assets come from one factory over `orchestration.charts.CHART_MODULES`; adding a chart
module there adds its figure asset here. A chart module may list further marts it draws from in
`CONTEXT_MARTS` (e.g. the base-model release dates it marks); they are read from the same
published version and passed to `build_chart` as keyword arguments named after the mart.
The HTML is interactive as the module's `INTERACTIVITY` declares (orchestration/charts/render.py),
and every figure is also in the findings report.
"""

from types import ModuleType

import dagster as dg

from orchestration.assets.publish import PUBLISHED_WAREHOUSE_KEY
from orchestration.charts import CHART_MODULES
from orchestration.charts.render import Interactivity, preview_markdown, render_chart
from orchestration.resources import FiguresResource, WarehouseResource

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
        with warehouse.connect_published() as conn:
            (version_id,) = conn.execute("select version_id from meta.publication").fetchone()
            mart_df = conn.execute(f"select * from marts.{mart}").df()
            context = {name: conn.execute(f"select * from marts.{name}").df() for name in context_marts}
        chart = chart_module.build_chart(mart_df, **context)
        paths = render_chart(
            chart, figures.path(), mart, chart_interactivity(chart_module), title=chart_module.TITLE
        )
        return dg.MaterializeResult(
            metadata={
                "preview": dg.MetadataValue.md(
                    preview_markdown(paths["preview_png"], alt_text=chart_module.TITLE)
                ),
                "png": dg.MetadataValue.path(paths["png"]),
                "svg": dg.MetadataValue.path(paths["svg"]),
                "html": dg.MetadataValue.path(paths["html"]),
                "mart_rows": dg.MetadataValue.int(len(mart_df)),
                "dagster/row_count": dg.MetadataValue.int(len(mart_df)),
                "published_version_id": version_id,
            }
        )

    return figure


def chart_interactivity(chart_module: ModuleType) -> Interactivity:
    """What the module declares for its HTML page; tooltips only when it declares nothing."""
    return getattr(chart_module, "INTERACTIVITY", None) or Interactivity()


figure_assets: list[dg.AssetsDefinition] = [
    build_figure_asset(chart_module) for chart_module in CHART_MODULES.values()
]
