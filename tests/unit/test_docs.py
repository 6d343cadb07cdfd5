"""The README stays short, and every relative link in it and in docs/ reaches its file (and the
heading it names, if any). Links that leave the repository (the shared materials beside the
checkout, such as ../shared/docs/METHOD.md) and links to the web are not followed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
DOC_PAGES = sorted((PROJECT_ROOT / "docs").glob("*.md"))
README_MAX_CHARACTERS = 10_000

FENCED_BLOCK = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", flags=re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", flags=re.S)
# [text](target) and ![alt](target); the text may hold brackets one level deep and line breaks.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(<?([^()\s<>]+)>?(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", flags=re.M)


def prose(markdown: str) -> str:
    """The text outside fenced code blocks, with code spans as plain words (no link inside one)."""
    without_blocks = FENCED_BLOCK.sub("", markdown)
    return CODE_SPAN.sub(lambda span: span[2].replace("[", " ").replace("]", " "), without_blocks)


def anchor_of(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower())
    return text.replace(" ", "-")


def anchors_in(page: Path) -> set[str]:
    """Every heading's anchor in a Markdown page (a repeated heading's later ones get -1, -2, …)."""
    anchors: set[str] = set()
    for heading in HEADING.findall(FENCED_BLOCK.sub("", page.read_text(encoding="utf-8"))):
        anchor, repeat = anchor_of(heading), 0
        while (anchor if not repeat else f"{anchor}-{repeat}") in anchors:
            repeat += 1
        anchors.add(anchor if not repeat else f"{anchor}-{repeat}")
    return anchors


def broken_links(page: Path) -> list[str]:
    """The relative links of `page` whose file, or heading in a Markdown file, does not exist."""
    broken = []
    for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if not linked.is_relative_to(PROJECT_ROOT):
            continue
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors_in(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.relative_to(PROJECT_ROOT)}")
    return broken


def test_readme_stays_under_10000_characters():
    length = len(README.read_text(encoding="utf-8"))
    assert length < README_MAX_CHARACTERS, f"README.md has {length:,} characters: move a section to docs/"


@pytest.mark.parametrize("page", [README, *DOC_PAGES], ids=lambda page: str(page.relative_to(PROJECT_ROOT)))
def test_every_relative_link_reaches_its_file_and_heading(page):
    assert broken_links(page) == []


def test_the_readme_links_every_page_of_docs():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in LINK.findall(prose(README.read_text(encoding="utf-8")))}
    assert [page.name for page in DOC_PAGES if page.resolve() not in linked] == []


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("The paper's snapshot", "the-papers-snapshot"),
        ("`make run`: the fixed cost of a run, before and after", "make-run-the-fixed-cost-of-a-run-before-and-after"),
        ("Schema v1.0 (dumps of November 2022 – October 2023)", "schema-v10-dumps-of-november-2022--october-2023"),
        ("v1: the final table (`WAREHOUSE_V1_SOURCE=final_table`)", "v1-the-final-table-warehouse_v1_sourcefinal_table"),
    ],
)
def test_anchors_are_githubs(heading, anchor):
    assert anchor_of(heading) == anchor


def test_a_missing_file_a_missing_heading_and_a_link_in_code_are_told_apart(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.PROJECT_ROOT", tmp_path)
    (tmp_path / "other.md").write_text("# Title\n\n## A part\n\n```\n## not a heading\n```\n")
    page = tmp_path / "page.md"
    page.write_text(
        "See [the part](other.md#a-part), [nothing](missing.md), [no part](other.md#not-a-heading),\n"
        "[here](#local) and [the web](https://example.org/x.md); `[code](not/a/link.md)`.\n\n"
        "```bash\n[also code](missing/too.md)\n```\n\n## Local\n"
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#not-a-heading: no heading #not-a-heading in other.md",
    ]
