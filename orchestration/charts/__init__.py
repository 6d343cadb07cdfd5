"""The figures: one module per figure mart, named as the mart.

Each module exposes `MART` (the mart in schema `marts`), `TITLE`, `REPORT_POSITION` (where the
figure stands among the figures of the findings report, lowest first) and
`build_chart(df) -> altair chart`; `render.py` writes a chart to PNG, SVG and HTML. A module
that also draws from other marts (the time-axis figures mark the base-model release dates of
`marts.base_model_releases`, see `releases.py`) lists them in `CONTEXT_MARTS` and takes each as
a keyword argument of `build_chart`, named after the mart (None: drawn without it).
A module also declares, optionally, `INTERACTIVITY` (which field is the colour category, which
the time axis: see render.py) for its interactive HTML.

Every module of this package that declares `MART` is a chart module: adding one adds its figure
asset and puts the figure in the findings report (docs/contributing.md). The package's other
modules (`common`, `releases`, `render`) are helpers the chart modules share.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType


def discover_chart_modules(package: ModuleType) -> dict[str, ModuleType]:
    """Every chart module of `package` by its mart, in the order of their `REPORT_POSITION`."""
    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}") for info in pkgutil.iter_modules(package.__path__)
    ]
    charts = [module for module in modules if hasattr(module, "MART")]
    for module in charts:
        if module.__name__ != f"{package.__name__}.{module.MART}":
            raise ImportError(f"{module.__name__} draws marts.{module.MART}: a chart module is named after its mart")
        if not isinstance(getattr(module, "REPORT_POSITION", None), int):
            raise ImportError(f"{module.__name__} declares no REPORT_POSITION (an int: its place in the findings report)")
    positions = [module.REPORT_POSITION for module in charts]
    shared = sorted({position for position in positions if positions.count(position) > 1})
    if shared:
        raise ImportError(f"chart modules share REPORT_POSITION {shared}: each figure has its own place")
    return {module.MART: module for module in sorted(charts, key=lambda module: module.REPORT_POSITION)}


CHART_MODULES: dict[str, ModuleType] = discover_chart_modules(sys.modules[__name__])
