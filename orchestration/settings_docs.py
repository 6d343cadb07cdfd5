"""docs/settings.md and `.env.example`, generated from the settings registry (SETTINGS in
orchestration/settings.py), so neither can state a default or a setting the code does not have.

`make settings-docs` rewrites them; `python -m orchestration.cli settings-docs --check` (and
tests/unit/test_settings.py) fails while either is stale.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

from orchestration.settings import GROUPS, PROJECT_ROOT, SETTINGS, Setting

REGENERATE = "make settings-docs"
SETTINGS_MD = Path("docs") / "settings.md"
ENV_EXAMPLE = Path(".env.example")
ENV_EXAMPLE_WIDTH = 100


def _grouped() -> list[tuple[str, str, list[Setting]]]:
    """(group, its title, its settings) in GROUPS' order, each group's settings in registry order."""
    return [(group, title, [s for s in SETTINGS if s.group == group]) for group, title in GROUPS.items()]


def _markdown(description: str) -> str:
    """A description in the table: a docs page it names becomes a link (the table is in docs/)."""
    return re.sub(r"\bdocs/([\w-]+\.md)\b", r"[\1](\1)", description).replace("|", "\\|")


def render_settings_md() -> str:
    lines = [
        "# Settings",
        "",
        f"<!-- Generated from SETTINGS in orchestration/settings.py by `{REGENERATE}`; edit them there. -->",
        "",
        "Every setting comes from the environment (or a `.env` file beside the Makefile, which the",
        "environment overrides; [`.env.example`](../.env.example) lists them all with their defaults)",
        "and is read in one place, `orchestration/settings.py`, which declares each one once: its",
        "group, its default and its meaning. Relative paths are taken from the project root. An empty",
        "value is the same as an unset one. dbt receives the settings it reads through its own",
        "process's environment; telemetry is off for dbt, Dagster and Great Expectations.",
    ]
    for group, title, settings in _grouped():
        lines += ["", f"## {title}", "", f"Group `{group}`.", "", "| variable | default | meaning |", "|---|---|---|"]
        for setting in settings:
            default = f"`{setting.default}`" if setting.default is not None else f"*(unset)*: {setting.unset}"
            lines.append(f"| `{setting.name}` | {_markdown(default)} | {_markdown(setting.description)} |")
    return "\n".join(lines) + "\n"


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, width=ENV_EXAMPLE_WIDTH, initial_indent="# ", subsequent_indent="# ",
                         break_on_hyphens=False, break_long_words=False)


def render_env_example() -> str:
    lines = [
        "# Every setting of openllm-warehouse with its default: copy this file to .env (or export a",
        "# variable) to change one; the environment wins over .env, and an empty value means unset.",
        "# Relative paths are taken from the project root. docs/settings.md describes them.",
        f"# Generated from SETTINGS in orchestration/settings.py by `{REGENERATE}`; edit them there.",
    ]
    for group, title, settings in _grouped():
        lines += ["", f"# ---- {title} ({group})"]
        for setting in settings:
            unset = f" Empty: {setting.unset}." if setting.default is None else ""
            lines += _comment(setting.description + unset)
            lines.append(f"{setting.name}={setting.default or ''}")
    return "\n".join(lines) + "\n"


GENERATED: dict[Path, Callable[[], str]] = {SETTINGS_MD: render_settings_md, ENV_EXAMPLE: render_env_example}


def stale_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The generated files under `root` that differ from what the registry gives (or are missing)."""
    stale = []
    for relative, render in GENERATED.items():
        path = root / relative
        if not path.exists() or path.read_text(encoding="utf-8") != render():
            stale.append(relative)
    return stale


def write_settings_docs(root: Path = PROJECT_ROOT) -> list[Path]:
    """Rewrite the stale generated files under `root`; the ones rewritten."""
    stale = stale_files(root)
    for relative in stale:
        (root / relative).write_text(GENERATED[relative](), encoding="utf-8")
    return stale
