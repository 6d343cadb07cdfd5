"""Write a chart as PNG, SVG and self-contained, interactive HTML; embed a preview in Dagster metadata.

Everything renders offline: vl-convert carries Vega, Vega-Lite and their JavaScript with it, and
the HTML inlines that JavaScript instead of loading it from a CDN (no URL is fetched).

PNG and SVG are the chart as its module built it, static. The HTML page adds interaction, the
same way for every figure, from what the chart module declares (nothing else to write):

    from orchestration.charts.render import Interactivity

    MART = "weekly_models_by_type"
    TITLE = "Fig. 4: ..."
    INTERACTIVITY = Interactivity(category="model_type", time="week_start")

    def build_chart(df): ...   # the static chart, as before

- **Tooltips**, always: views that encode fields but no `tooltip` get one listing their encoded
  fields (give your own `tooltip=[...]` for titles and formats; most modules do).
- `category`: the field coloured by type or architecture (`color`, `fill` or `stroke`). Its
  legend becomes a filter: click an entry to show only that category, shift-click to add more,
  double-click the chart to show everything again. Every view that
  uses the field is filtered, so stacked bars restack; the legend keeps every entry (the colour
  domain is fixed to the chart's categories).
- `time`: the temporal field on the x axis of a time-axis chart (plain field, `:T`). A small
  overview strip of the same chart is drawn under it; drag across the strip to brush a time
  range and the main view shows only that range (double-click the chart to reset).

The main view is the chart's top-level view: a single chart or a layer (a concatenated or
faceted chart can take tooltips and a category, not a time brush). A declared field that the chart does not
encode is an error (`interactive_spec` raises), so a typo fails the unit tests. Modules without
`INTERACTIVITY` get tooltips only.
"""

from __future__ import annotations

import base64
import copy
import functools
import html
import io
import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

PNG_SCALE = 2
PREVIEW_SCALE = 1
"""The preview is embedded (base64) in every materialization's metadata, so it stays at 1x."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def render_chart(
    chart: alt.TopLevelMixin,
    out_dir: Path,
    name: str,
    interactivity: Interactivity | None = None,
    *,
    title: str | None = None,
) -> dict[str, Path]:
    """Write `name.png` (2x), `name.svg`, `name.html` and `name.preview.png` (1x) into out_dir.

    PNG and SVG are static; the HTML is interactive (see the module docstring), with `title` as
    the page's title. Returns the paths by kind: "png", "svg", "html" and "preview_png".
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = output_paths(out_dir, name)
    # The marts are aggregates; lift Altair's 5000-row guard for this call only (not globally).
    with alt.data_transformers.disable_max_rows():
        spec = chart.to_dict()  # validated once; every format below is drawn from it
    # Drawn once, as SVG; both PNGs are that SVG rasterised. vl-convert draws a PNG by drawing
    # the SVG and rasterising it, so the bytes are the same as `vega_to_png`'s (checked for all
    # twenty figures), at about half the time of drawing the chart three times.
    vega = vl_convert.vegalite_to_vega(spec, vl_version=vl_version())
    svg = vl_convert.vega_to_svg(vega)
    paths["svg"].write_text(svg, encoding="utf-8")
    paths["png"].write_bytes(recompressed_png(vl_convert.svg_to_png(svg, scale=PNG_SCALE)))
    paths["preview_png"].write_bytes(recompressed_png(vl_convert.svg_to_png(svg, scale=PREVIEW_SCALE)))
    interactivity = interactivity or Interactivity()
    page = html_page(
        interactive_spec(spec, interactivity), title=title or name, hint=interaction_hint(interactivity),
        reset_on_dblclick=[LEGEND_STORE] if interactivity.category else [],
    )
    paths["html"].write_text(page, encoding="utf-8")
    return paths


OUTPUT_SUFFIXES = {"png": ".png", "svg": ".svg", "html": ".html", "preview_png": ".preview.png"}


def output_paths(out_dir: Path, name: str) -> dict[str, Path]:
    """The files render_chart writes for `name`, by kind."""
    return {kind: out_dir / f"{name}{suffix}" for kind, suffix in OUTPUT_SUFFIXES.items()}


@functools.cache
def vl_version() -> str:
    """Altair's Vega-Lite version, as vl-convert names it (`v6_4`)."""
    from altair.vegalite import SCHEMA_VERSION

    return "_".join(SCHEMA_VERSION.split(".")[:2])


def chart_png(chart: alt.TopLevelMixin, scale: float) -> bytes:
    buffer = io.BytesIO()
    chart.save(buffer, format="png", scale_factor=scale)
    return recompressed_png(buffer.getvalue())


# zlib level 6: the twenty figures' PNGs are 10% larger than at level 9 (3.3 against 3.0 MB)
# and take a quarter of the time (0.8 against 3.3 s), still ~3.6x smaller than vl-convert's.
PNG_DEFLATE_LEVEL = 6


def recompressed_png(png: bytes) -> bytes:
    """The same image with its pixel data deflated again (vl-convert's PNGs are ~4x larger).

    The scanlines (and their filters) are kept as they are; only the zlib stream changes.
    """
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    chunks: list[tuple[bytes, bytes]] = []
    pixel_data = b""
    offset = len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        body = png[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IDAT":
            if not pixel_data:
                chunks.append((b"IDAT", b""))  # where the merged pixel data goes
            pixel_data += body
        else:
            chunks.append((kind, body))
    deflated = zlib.compress(zlib.decompress(pixel_data), level=PNG_DEFLATE_LEVEL)
    return PNG_SIGNATURE + b"".join(
        png_chunk(kind, deflated if kind == b"IDAT" else body) for kind, body in chunks
    )


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def preview_markdown(png_path: Path, alt_text: str | None = None) -> str:
    """Markdown showing the PNG inline, as a base64 data URI (how Dagster's UI shows images).

    Markdown images carry no size: pass the 1x preview PNG that render_chart writes.
    """
    encoded = base64.b64encode(png_path.read_bytes()).decode("ascii")
    return f"![{alt_text or png_path.stem}](data:image/png;base64,{encoded})"


# --- Interactive HTML -------------------------------------------------------------------------


@dataclass(frozen=True)
class Interactivity:
    """What a chart module declares (as `INTERACTIVITY`) for its HTML page: the categorical field
    whose legend filters the chart, and the temporal x field brushed on an overview strip."""

    category: str | None = None
    """The field the chart colours by (e.g. `model_type`, `architecture_group`)."""
    time: str | None = None
    """The temporal field on the chart's x axis (e.g. `week_start`)."""


LEGEND_PARAM = "legend_filter"
LEGEND_STORE = f"{LEGEND_PARAM}_store"
"""Where Vega keeps the legend selection. A legend-bound selection has no reset of its own (and
giving it `on`/`clear` events loses the first click on the page): the page empties this store on
a double-click."""
BRUSH_PARAM = "time_brush"
OVERVIEW_HEIGHT = 60
ZOOMED_DATE_FORMAT = {
    "year": "%b %Y", "quarter": "%b %Y", "month": "%b %Y", "week": "%-d %b %Y", "date": "%-d %b %Y",
}
DIMMED_OPACITY = 0.25
TOP_LEVEL_KEYS = frozenset(
    {"$schema", "datasets", "config", "title", "description", "usermeta", "autosize",
     "background", "padding"}
)
COLOUR_CHANNELS = ("color", "fill", "stroke")
COMPOSITIONS = ("layer", "hconcat", "vconcat", "concat")
EMBED_OPTIONS = {
    "mode": "vega-lite",
    "renderer": "svg",  # crisp at any zoom, and its marks are in the page for the browser tests
    # Save as PNG/SVG from the menu; no "open in the Vega editor" (a web site) or source views.
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}


def interactive_spec(spec: dict[str, Any], interactivity: Interactivity) -> dict[str, Any]:
    """The Vega-Lite spec of the HTML page: `spec` with tooltips, and the legend filter and the
    time brush that `interactivity` asks for. `spec` itself is left unchanged."""
    spec = copy.deepcopy(spec)
    outer = {key: value for key, value in spec.items() if key in TOP_LEVEL_KEYS}
    main = {key: value for key, value in spec.items() if key not in TOP_LEVEL_KEYS}
    outer.pop("$schema", None)  # an identifier only; vega-embed is told the mode
    for view in unit_views(main):
        add_default_tooltip(view)
    overview = None
    if interactivity.time:
        if not any(key in main for key in ("mark", "layer")):
            kind = sorted(set(main) & {*COMPOSITIONS, "facet", "repeat"})
            raise ValueError(f"a time brush needs a single or layered chart, not a {'/'.join(kind)} chart")
        time_views = [view for view in unit_views(main) if encodes_time(view, interactivity.time)]
        if not time_views:
            raise ValueError(f"no view encodes {interactivity.time!r} as its temporal x field")
        overview = overview_strip(main, interactivity.time)
        for view in time_views:
            view.setdefault("transform", []).append({"filter": {"param": BRUSH_PARAM}})
            # A fixed label format ("%b %Y") repeats itself once zoomed into weeks: months
            # read as before, weeks and days get their day.
            axis = view["encoding"]["x"].get("axis")
            if isinstance(axis, dict) and isinstance(axis.get("format"), str):
                axis["format"] = ZOOMED_DATE_FORMAT
    if interactivity.category:
        add_legend_filter(main, interactivity.category, outer.get("datasets", {}))
    if overview is None:
        return outer | main
    return outer | {"vconcat": [main, overview], "spacing": 6}


def unit_views(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every single view (one mark) of a spec, through layers, concatenations and facets."""
    if "mark" in spec:
        yield spec
    if isinstance(spec.get("spec"), dict):  # facet and repeat
        yield from unit_views(spec["spec"])
    for composition in COMPOSITIONS:
        for child in spec.get(composition, []):
            yield from unit_views(child)


def field_of(definition: Any) -> str | None:
    return definition.get("field") if isinstance(definition, dict) else None


def encoded_fields(view: dict[str, Any]) -> set[str]:
    fields = set()
    for definition in view.get("encoding", {}).values():
        for item in definition if isinstance(definition, list) else [definition]:
            if field_of(item):
                fields.add(field_of(item))
    return fields


def encodes_time(view: dict[str, Any], field: str) -> bool:
    x = view.get("encoding", {}).get("x", {})
    return field_of(x) == field and x.get("type") == "temporal"


def add_default_tooltip(view: dict[str, Any]) -> None:
    """A tooltip of the encoded fields, for views that encode fields and declare no tooltip."""
    encoding = view.get("encoding", {})
    if "tooltip" in encoding or not encoded_fields(view):
        return
    mark = view["mark"] if isinstance(view["mark"], dict) else {"type": view["mark"]}
    mark.setdefault("tooltip", {"content": "encoding"})
    view["mark"] = mark


def add_legend_filter(main: dict[str, Any], field: str, datasets: dict[str, list]) -> None:
    """Bind a point selection on `field` to the legend; filter every view using the field by it.

    The colour domain is fixed first (to the chart's own list, else the values in the data), so
    that filtered-out categories stay in the legend and can be clicked back.
    """
    coloured = [
        (view, channel) for view in unit_views(main) for channel in COLOUR_CHANNELS
        if field_of(view.get("encoding", {}).get(channel)) == field
    ]
    if not coloured:
        raise ValueError(f"no view colours by {field!r} (color, fill or stroke)")
    view, channel = coloured[0]
    view.setdefault("params", []).append(
        {"name": LEGEND_PARAM, "select": {"type": "point", "fields": [field]}, "bind": "legend"}
    )
    domain = colour_domain(main, view, channel, field, datasets)
    for each_view, each_channel in coloured:
        colour = each_view["encoding"][each_channel]
        scale = colour.setdefault("scale", {})
        if domain and "domain" not in scale:
            scale["domain"] = domain
    for each_view in unit_views(main):
        if field in encoded_fields(each_view):
            each_view.setdefault("transform", []).append({"filter": {"param": LEGEND_PARAM}})
            # Dims the legend's unselected entries (every mark left is a selected one).
            each_view["encoding"].setdefault(
                "opacity", {"condition": {"param": LEGEND_PARAM, "value": 1}, "value": DIMMED_OPACITY}
            )


def colour_domain(main: dict, view: dict, channel: str, field: str, datasets: dict[str, list]) -> list | None:
    colour = view["encoding"][channel]
    if "domain" in colour.get("scale", {}):
        return colour["scale"]["domain"]
    if isinstance(colour.get("sort"), list):
        return colour["sort"]
    data = view.get("data") or main.get("data") or {}
    rows = datasets.get(data.get("name"), data.get("values"))
    if not isinstance(rows, list):
        return None
    values = {row[field] for row in rows if isinstance(row, dict) and row.get(field) is not None}
    return sorted(values, key=str) or None


def overview_strip(main: dict[str, Any], field: str) -> dict[str, Any]:
    """A short copy of the main view, without tooltips or y axes, carrying the brush (its colour
    scale is the main view's, so the two share one legend)."""
    strip = copy.deepcopy(main)
    strip["height"] = OVERVIEW_HEIGHT
    strip.pop("title", None)
    if "layer" in strip:
        strip["layer"] = [layer for layer in strip["layer"] if mark_type(layer) != "text"]
    brushed = False
    for view in unit_views(strip):
        view.pop("params", None)
        view.pop("title", None)
        mark = view["mark"]
        if isinstance(mark, dict):
            mark.pop("tooltip", None)
            if isinstance(mark.get("point"), dict):
                mark["point"] = False
        encoding = view.get("encoding", {})
        encoding.pop("tooltip", None)
        for channel in ("y", "y2"):
            if isinstance(encoding.get(channel), dict) and "field" in encoding[channel]:
                encoding[channel] = encoding[channel] | {"axis": None, "title": None}
        if encodes_time(view, field):
            encoding["x"] = encoding["x"] | {"title": "drag here to choose a period"}
            if not brushed:
                view["params"] = [{"name": BRUSH_PARAM, "select": {"type": "interval", "encodings": ["x"]}}]
                brushed = True
    return strip


def mark_type(view: dict[str, Any]) -> str | None:
    mark = view.get("mark")
    return mark.get("type") if isinstance(mark, dict) else mark


def interaction_hint(interactivity: Interactivity) -> str:
    """One plain sentence under the chart on how to use it."""
    parts = ["Hover over the chart to see the values."]
    if interactivity.category:
        parts.append(
            "Click a legend entry to show only that category; shift-click to add more."
        )
    if interactivity.time:
        parts.append(
            "Drag across the small strip under the chart to zoom into a period."
        )
    if interactivity.category or interactivity.time:
        parts.append("Double-click the chart to show everything again.")
    return " ".join(parts)


@functools.cache
def vega_javascript() -> str:
    """Vega, Vega-Lite (Altair's version) and vega-embed in one script, from vl-convert."""
    return vl_convert.javascript_bundle(vl_version=vl_version())


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element (no `</script>` can close it early)."""
    return json.dumps(value).replace("</", "<\\/").replace("<!--", "<\\!--")


def html_page(
    spec: dict[str, Any], *, title: str, hint: str = "", reset_on_dblclick: list[str] = ()
) -> str:
    """A self-contained page showing `spec`: every script inline, nothing fetched. A double-click
    on the chart empties the selection stores `reset_on_dblclick` (Vega clears the brush itself)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 16px; color: #222; }}
  #vis.vega-embed {{ display: flex; }}
  #vis.vega-embed details, #vis.vega-embed details summary {{ position: relative; }}
  .hint {{ color: #555; font-size: 14px; max-width: 760px; }}
</style>
<script type="text/javascript">
{vega_javascript()}
</script>
</head>
<body>
<div id="vis"></div>
<p class="hint">{html.escape(hint)}</p>
<script type="text/javascript">
  vegaEmbed("#vis", {script_json(spec)}, {script_json(EMBED_OPTIONS)})
    .then((result) => {{
      window.vegaView = result.view;
      result.view.addEventListener("dblclick", () => {{
        {script_json(list(reset_on_dblclick))}.forEach((store) => result.view.data(store, []));
        result.view.runAsync();
      }});
    }})
    .catch(console.error);
</script>
</body>
</html>
"""
