"""The interactive HTML of every figure: tooltips, a legend that filters, a brushable time range.

Built from each chart module's `INTERACTIVITY` by orchestration/charts/render.py; PNG and SVG stay
static. (The browser tests click and drag these pages: tests/browser/test_figures_html.py.)
"""

from __future__ import annotations

import copy
import json
import re

import pytest
import vl_convert

from orchestration.defs.figures.assets import chart_interactivity
from orchestration.charts import CHART_MODULES
from orchestration.charts.render import (
    BRUSH_PARAM,
    LEGEND_PARAM,
    Interactivity,
    html_page,
    interactive_spec,
    render_chart,
    unit_views,
    vega_javascript,
)
from tests.unit.test_charts import SAMPLE_MARTS, sample_of

CATEGORY_FIELDS = {"model_type", "architecture_group"}
"""Colouring by one of these makes a chart's legend a filter (issue 5)."""


def static_spec(mart: str) -> dict:
    return CHART_MODULES[mart].build_chart(sample_of(mart)).to_dict()


def page_spec(mart: str) -> dict:
    return interactive_spec(static_spec(mart), chart_interactivity(CHART_MODULES[mart]))


def colour_fields(spec: dict) -> set[str]:
    return {
        view["encoding"][channel]["field"]
        for view in unit_views(spec)
        for channel in ("color", "fill", "stroke")
        if "field" in view.get("encoding", {}).get(channel, {})
    }


def temporal_x_fields(spec: dict) -> set[str]:
    return {
        view["encoding"]["x"]["field"]
        for view in unit_views(spec)
        if view.get("encoding", {}).get("x", {}).get("type") == "temporal"
        and "field" in view["encoding"]["x"]
    }


def params(spec: dict) -> dict[str, dict]:
    return {param["name"]: param for view in unit_views(spec) for param in view.get("params", [])}


def filtered_by(view: dict, param: str) -> bool:
    return {"filter": {"param": param}} in view.get("transform", [])


@pytest.mark.parametrize("mart", list(CHART_MODULES))
def test_every_chart_with_a_type_or_architecture_colour_or_a_time_axis_declares_it(mart):
    spec = static_spec(mart)
    declared = chart_interactivity(CHART_MODULES[mart])

    categories = colour_fields(spec) & CATEGORY_FIELDS
    assert {declared.category} - {None} == categories
    if "mark" in spec or "layer" in spec:  # a time brush needs a single or layered chart
        assert {declared.time} - {None} == temporal_x_fields(spec)


@pytest.mark.parametrize("mart", list(CHART_MODULES))
def test_page_spec_compiles_and_every_view_with_fields_has_a_tooltip(mart):
    spec = page_spec(mart)

    vl_convert.vegalite_to_vega(spec)  # compiles, selections included
    main = spec["vconcat"][0] if "vconcat" in spec else spec  # the strip under it has none
    for view in unit_views(main):
        fields = [d for d in view.get("encoding", {}).values() if isinstance(d, dict) and "field" in d]
        mark = view["mark"] if isinstance(view["mark"], dict) else {}
        if fields:
            assert "tooltip" in view["encoding"] or "tooltip" in mark, view.get("mark")


@pytest.mark.parametrize("mart", [m for m in CHART_MODULES if chart_interactivity(CHART_MODULES[m]).category])
def test_legend_filters_every_view_of_its_category_and_keeps_every_entry(mart):
    field = chart_interactivity(CHART_MODULES[mart]).category
    spec = page_spec(mart)
    main = spec["vconcat"][0] if "vconcat" in spec else spec

    legend = params(main)[LEGEND_PARAM]
    assert legend == {"name": LEGEND_PARAM, "select": {"type": "point", "fields": [field]}, "bind": "legend"}
    coloured = [view for view in unit_views(main) if view["encoding"].get("color", {}).get("field") == field]
    assert coloured and all(filtered_by(view, LEGEND_PARAM) for view in coloured)
    # A fixed domain: categories filtered out stay in the legend, to be clicked back.
    assert all(view["encoding"]["color"]["scale"]["domain"] for view in coloured)
    assert all(view["encoding"]["opacity"]["condition"]["param"] == LEGEND_PARAM for view in coloured)


@pytest.mark.parametrize("mart", [m for m in CHART_MODULES if chart_interactivity(CHART_MODULES[m]).time])
def test_time_axis_charts_get_an_overview_strip_whose_brush_filters_the_main_view(mart):
    field = chart_interactivity(CHART_MODULES[mart]).time
    spec = page_spec(mart)

    main, strip = spec["vconcat"]
    assert params(strip) == {BRUSH_PARAM: {"name": BRUSH_PARAM, "select": {"type": "interval", "encodings": ["x"]}}}
    assert strip["height"] < main.get("height", 360) / 2
    time_views = [view for view in unit_views(main) if view["encoding"].get("x", {}).get("field") == field]
    assert time_views and all(filtered_by(view, BRUSH_PARAM) for view in time_views)
    assert not any(filtered_by(view, LEGEND_PARAM) for view in unit_views(strip)), "the strip shows everything"
    assert not any("tooltip" in view["encoding"] for view in unit_views(strip))
    assert spec["title"] == static_spec(mart)["title"], "one title, over both"


def test_the_static_spec_is_left_as_it_was():
    spec = static_spec("weekly_models_by_type")
    before = copy.deepcopy(spec)

    interactive_spec(spec, Interactivity(category="model_type", time="week_start"))

    assert spec == before


def test_a_colour_domain_left_to_the_data_is_fixed_to_the_values_in_the_data():
    spec = static_spec("weekly_models_by_type")
    del spec["encoding"]["color"]["scale"]["domain"]
    del spec["encoding"]["color"]["sort"]

    page = interactive_spec(spec, Interactivity(category="model_type"))

    assert page["encoding"]["color"]["scale"]["domain"] == ["chat", "fine_tuned"]


@pytest.mark.parametrize(
    "interactivity, message",
    [
        (Interactivity(category="model_typ"), "no view colours by 'model_typ'"),
        (Interactivity(time="week_end"), "no view encodes 'week_end' as its temporal x field"),
        (Interactivity(time="new_models"), "no view encodes 'new_models'"),
    ],
)
def test_a_declared_field_the_chart_does_not_encode_is_an_error(interactivity, message):
    with pytest.raises(ValueError, match=message):
        interactive_spec(static_spec("weekly_models_by_type"), interactivity)


def test_a_faceted_chart_takes_tooltips_and_a_legend_filter():
    import altair as alt

    mart = SAMPLE_MARTS["weekly_models_by_type"].assign(week_start=lambda df: df["week_start"].astype(str))
    chart = alt.Chart(mart).mark_bar().encode(x="week_start:T", y="new_models:Q", color="model_type:N").facet(
        column="model_type:N")

    spec = interactive_spec(chart.to_dict(), Interactivity(category="model_type"))

    (view,) = unit_views(spec)
    assert view["mark"]["tooltip"] == {"content": "encoding"} and filtered_by(view, LEGEND_PARAM)
    assert view["encoding"]["color"]["scale"]["domain"] == ["chat", "fine_tuned"]
    vl_convert.vegalite_to_vega(spec)
    with pytest.raises(ValueError, match="single or layered chart"):
        interactive_spec(chart.to_dict(), Interactivity(time="week_start"))


def test_a_concatenated_chart_takes_no_time_brush():
    with pytest.raises(ValueError, match="single or layered chart"):
        interactive_spec(static_spec("benchmark_improvement_per_base"), Interactivity(time="week_start"))


def test_the_page_is_self_contained(tmp_path):
    module = CHART_MODULES["weekly_models_by_type"]
    chart = module.build_chart(SAMPLE_MARTS[module.MART])

    paths = render_chart(chart, tmp_path, module.MART, chart_interactivity(module), title=module.TITLE)

    page = paths["html"].read_text(encoding="utf-8")
    assert f"<title>{module.TITLE}</title>" in page
    # Outside the bundled JavaScript, the page names no URL and loads nothing; inside it there are
    # only identifiers (XML namespaces, schema ids) and the link of vega-embed's disabled editor
    # action. (The browser test records every request the page makes: none.)
    assert page.count(vega_javascript()) == 1
    outside = page.replace(vega_javascript(), "")
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", outside, flags=re.I)
    assert not re.search(r"https?://", outside)
    assert "Click a legend entry" in outside and "Drag across the small strip" in outside
    assert '["legend_filter_store"].forEach' in outside, "a double-click empties the legend selection"
    # The static files carry no selection.
    assert LEGEND_PARAM not in paths["svg"].read_text() and BRUSH_PARAM not in json.dumps(chart.to_dict())


def test_the_spec_cannot_close_its_script_element_early():
    page = html_page({"title": "</script><script>alert(1)</script>", "mark": "bar"}, title="<b>")

    body = page.split('<div id="vis">', 1)[1]
    assert body.count("</script>") == 1
    assert "<title>&lt;b&gt;</title>" in page
