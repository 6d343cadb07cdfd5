"""The Open LLM Leaderboard datasets' own parquet layouts, written from the scraped CSV layouts.

The leaderboards' Hub datasets keep the Space's column names (`Average ⬆️`, `Hub ❤️`,
`#Params (B)`, …), typed, in their own order; the shared CSV files are scrapes of the pages
built from them (fboulnois/llm-leaderboard-csv: headers snake-cased, emoji stripped, `Model`
split into `model` and `url`). This module knows the dataset layouts from public evidence only
(the schemas below cite it) and writes a scraped CSV's content in them:

- `v1_dataset_table`: a final v1 table (`v1_2024-07-07.csv` layout, what synthetic/snapshot.py writes
  as leaderboard_v1_final.csv) as `open-llm-leaderboard-old/contents`' parquet;
- `v2_dataset_table`: a weekly v2 file (any of its six header versions, what
  synthetic/weekly.py writes) as `open-llm-leaderboard/contents`' parquet, in the layout the
  dataset had at a date (`v2_layout_for`).

It never calls the project's loaders or reads the seed `leaderboard_v2_columns.csv`: the two
are written independently from the same evidence, and the tests compare them. The generators,
and the fake Hub of the tests (tests/hub_server.py), write the parquet files with it.

Boolean polarity (evidence: SPACE src/leaderboard/read_evals.py and backend/app/services/
leaderboard.py, see the comments on the schemas): the v1 dataset stores `Merged`, `MoE` and
`Flagged` inverted (True = not merged / not MoE / not flagged), like the scraped CSVs; the v2
dataset did too (`Not_Merged`, `MoE`, `Flagged`) until 2024-12-10, and holds them true since
(`Merged`, `MoE`, `Flagged`). `Available on the hub` and the maintainer / official-provider flag
mean what they say everywhere.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

STRING, FLOAT, INT, BOOL = pa.string(), pa.float64(), pa.int64(), pa.bool_()
AVERAGE, LIKES, PARAMS, CO2 = "Average \u2b06\ufe0f", "Hub \u2764\ufe0f", "#Params (B)", "CO\u2082 cost (kg)"

# --- the documented schemas ------------------------------------------------------------------------

# v1, `open-llm-leaderboard-old/contents`: the final dataset card, features in parquet order
# (huggingface.co/datasets/open-llm-leaderboard-old/contents, README.md at
# 50df56437c1b8c70674c7ee14b2140dcae87255d, num_examples 7260). Columns 1-17 in this order are
# EvalResult.to_dict in SPACE (GitHub leaderboard-modeles-IA-francais/leaderboard, a fork of the
# HF Space open-llm-leaderboard/open_llm_leaderboard with its history) src/leaderboard/read_evals.py
# at 3ac217c8c4245378dbca4dcbaeac419b890edfd5: `Merged`, `MoE` and `Flagged` are stored
# inverted since SPACE bcd77ebd05dbbe664fedd20b60866fe1ec2ad59e (`not merged`, `not MoE`,
# `not_flagged`). The earlier card 740c18edf44e57b3cbf5d98cb395b6b7c71f5946 has 24 columns
# (no `Chat Template`, no `Maintainers Choice`).
V1_DATASET_SCHEMA = pa.schema([
    ("eval_name", STRING), ("Precision", STRING), ("Type", STRING), ("T", STRING), ("Weight type", STRING),
    ("Architecture", STRING), ("Model", STRING), ("fullname", STRING), ("Model sha", STRING),
    (AVERAGE, FLOAT), ("Hub License", STRING), (LIKES, INT), (PARAMS, INT), ("Available on the hub", BOOL),
    ("Merged", BOOL), ("MoE", BOOL), ("Flagged", BOOL), ("date", STRING), ("Chat Template", BOOL),
    ("ARC", FLOAT), ("HellaSwag", FLOAT), ("MMLU", FLOAT), ("TruthfulQA", FLOAT), ("Winogrande", FLOAT),
    ("GSM8K", FLOAT), ("Maintainers Choice", BOOL),
])  # fmt: skip
V1_INVERTED = ("Merged", "MoE", "Flagged")

# v2, `open-llm-leaderboard/contents`. The six benchmarks, each as the pair `<X> Raw` (0-1) then
# `<X>` (normalised 0-100): Raw FIRST in the parquet (every card below), whereas the Space's
# display order (its Tasks enum) puts the score first.
V2_BENCHMARKS = ("IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO")
_V2_SCORES = [(f"{name}{suffix}", FLOAT) for name in V2_BENCHMARKS for suffix in (" Raw", "")]


def _v2_schema(*, params: pa.DataType, merged: str, official: str) -> pa.Schema:
    head = [
        ("eval_name", STRING), ("Precision", STRING), ("Type", STRING), ("T", STRING), ("Weight type", STRING),
        ("Architecture", STRING), ("Model", STRING), ("fullname", STRING), ("Model sha", STRING),
        (AVERAGE, FLOAT), ("Hub License", STRING), (LIKES, INT), (PARAMS, params), ("Available on the hub", BOOL),
    ]  # fmt: skip
    flags = [("MoE", BOOL), ("Flagged", BOOL), ("Chat Template", BOOL), (CO2, FLOAT)]
    tail = [(official, BOOL), ("Upload To Hub Date", STRING), ("Submission Date", STRING),
            ("Generation", INT), ("Base Model", STRING)]
    if merged == "Not_Merged":  # position 15, before MoE
        return pa.schema([*head, ("Not_Merged", BOOL), *flags, *_V2_SCORES, *tail])
    return pa.schema([*head, *flags, *_V2_SCORES, ("Merged", BOOL), *tail])


# The v2 layouts, each with the first date the dataset had it (ISO dates compare as strings):
# - `parquet_2024_11`: the card at e0671fc3aed2bb6da4c763bfeb7a62c3459af378 (`#Params (B)`
#   int64, `Not_Merged` after `Available on the hub`, `CO₂ cost (kg)`, `Maintainer's Highlight`
#   after MMLU-PRO). `CO₂ cost (kg)` came in with SPACE f4cb1933262fcd43b17bd98e5c2af179037cf8e5
#   (2024-11-14); earlier revisions of the dataset (without it, and before SPACE
#   0f8c9a6419bceccf46f7fd0143045054e6a1beb7 of 2024-08-30 without Generation / Base Model)
#   are not documented column by column: none is listed here.
# - `parquet_2024_12a`: the card at 0029b25d2ffc260d9c788bcbb782db3102ddc219: the same with
#   `Official Providers` (SPACE 95006e1d376d97c5dc121b81fde49168d41f646b, 2024-12-04).
# - `parquet_2024_12b`: the final layout, 36 columns: `Merged` (true) after MMLU-PRO instead of
#   `Not_Merged` (SPACE 653bfbabbf3171a69b8565cd58377988296ecb7a, 2024-12-10), `#Params (B)`
#   float64. Columns 1-32 from the card of the fork dataset stacklok/results at
#   d13314a19fc4ea5417d866f114fae0442fc18a24 (same backend), 33-36 from the official card
#   0029b25d…; the backend reads `Merged`, `MoE` and `Flagged` as they are from SPACE
#   1de2d205363ba43ec998dfc4a46e29516a7296bd ("Correct Merged and MoE columns", 2024-12-10) on,
#   where e7abd9ece968394b392567cbd6f26a2452aa5318 the same day still negated `Not_Merged`
#   and `MoE`.
# Before 2024-12-10, `MoE` and `Flagged` are inverted (SPACE app.py and
# src/leaderboard/filter_models.py at 0ab6122c31152e9d06b7dc68ef0b5305ac94171c: `Flagged` is
# AutoEvalColumn.not_flagged) and `Not_Merged` means "not merged" (SPACE
# ffb4837758d6a065a3808c24d89398c397025e80, "rename merge to not merged").
V2_LAYOUTS: dict[str, tuple[str, pa.Schema]] = {
    "parquet_2024_11": ("2024-11-14", _v2_schema(params=INT, merged="Not_Merged", official="Maintainer's Highlight")),
    "parquet_2024_12a": ("2024-12-04", _v2_schema(params=INT, merged="Not_Merged", official="Official Providers")),
    "parquet_2024_12b": ("2024-12-10", _v2_schema(params=FLOAT, merged="Merged", official="Official Providers")),
}
# The columns stored inverted (True = not merged / not MoE / not flagged), per layout.
V2_INVERTED: dict[str, tuple[str, ...]] = {
    "parquet_2024_11": ("Not_Merged", "MoE", "Flagged"),
    "parquet_2024_12a": ("Not_Merged", "MoE", "Flagged"),
    "parquet_2024_12b": (),
}

# The v2 model types: ModelType in SPACE src/display/utils.py at 653bfbab…: `Type` is the name,
# `T` its symbol. The API-derived CSVs (from 2024-12-15) spell the type as the backend's label
# (backend/app/services/leaderboard.py: lower-cased, cut at "(", without the emoji 🔶🟢🟩💬🤝🌸
# and spaces): `chatmodels`, `❓other`, …
V2_TYPE_NAMES = (
    "🟢 pretrained", "🟩 continuously pretrained", "🔶 fine-tuned on domain-specific datasets", "🌸 multimodal",
    "💬 chat models (RLHF, DPO, IFT, ...)", "🤝 base merges and moerges", "❓ other",
)  # fmt: skip


def backend_type_label(name: str) -> str:
    """A ModelType name as the v2 backend (and so the API-derived CSVs) spells it."""
    text = name.lower().strip().split("(")[0]
    return "".join(ch for ch in text if ch not in "🔶🟢🟩💬🤝🌸 ")


TYPE_NAME_BY_LABEL = {backend_type_label(name): name for name in V2_TYPE_NAMES}

# `Model`: make_clickable_model in SPACE src/display/formatting.py; the details dataset is
# `details_<org>__<model>` in v1 (b4ba8b73262f68a487854a575e819358277f5f19) and
# `<org>__<model>-details` in v2 (653bfbab…).
_LINK_STYLE = "color: var(--link-text-color); text-decoration: underline;text-decoration-style: dotted;"
V1_DETAILS = "https://huggingface.co/datasets/open-llm-leaderboard/details_{}"
V2_DETAILS = "https://huggingface.co/datasets/open-llm-leaderboard/{}-details"
HUB = "https://huggingface.co/"


def v2_layout_for(day: str | date) -> str:
    """The documented v2 layout the dataset had on `day` (the earliest documented one before)."""
    text = day.isoformat() if isinstance(day, date) else day
    chosen = next(iter(V2_LAYOUTS))
    for name, (first, _) in V2_LAYOUTS.items():
        if text >= first:
            chosen = name
    return chosen


# --- text to typed arrays --------------------------------------------------------------------------


def _text(values: Sequence[str | None] | pa.Array) -> pa.Array:
    """Text values (a list, numpy or pandas column) as a string array, the empty string (a CSV's
    missing value) and None as null."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    array = values if isinstance(values, pa.Array) else pa.array(values, STRING, from_pandas=True)
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, STRING), array)


def _float(values) -> pa.Array:
    if isinstance(values, pa.Array) and pa.types.is_floating(values.type):
        return values
    return pc.cast(_text(values), FLOAT)


def _int(values, column: str) -> pa.Array:
    """Whole numbers (`72` or `72.0`); a fraction is an error (the column is int64)."""
    numbers = _float(values)
    whole = pc.floor(numbers)
    if pc.all(pc.equal(numbers, whole)).as_py() is False:
        raise ValueError(f"{column} is int64 in the dataset; the CSV has fractions")
    return pc.cast(whole, INT)


def _floor_int(values) -> pa.Array:
    """Whole billions, as the int64 `#Params (B)` of the layouts before December 2024 held them."""
    return pc.cast(pc.floor(_float(values)), INT)


def _bool(values, column: str) -> pa.Array:
    """TRUE/FALSE in any case; empty = null; anything else is an error."""
    upper = pc.utf8_upper(_text(values))
    known = pc.or_(pc.equal(upper, "TRUE"), pc.equal(upper, "FALSE"))
    if pc.all(pc.or_(known, pc.is_null(upper))).as_py() is False:
        raise ValueError(f"{column}: expected TRUE/FALSE")
    return pc.equal(upper, "TRUE")


def _nulls(n: int, kind: pa.DataType) -> pa.Array:
    return pa.nulls(n, kind)


def _join(*parts) -> pa.Array:
    """Element-wise concatenation of string arrays and constants."""
    return pc.binary_join_element_wise(*parts, "")


def _eval_name(model_id: pa.Array, precision: pa.Array) -> pa.Array:
    """`<org>_<model>_<precision>` (`<model>_<precision>` for a bare id), as read_evals.py
    keys a result."""
    return _join(pc.replace_substring(model_id, "/", "_", max_replacements=1), "_", precision)


def _anchor(text: pa.Array, href: pa.Array, details: pa.Array) -> pa.Array:
    """make_clickable_model: the model's link, two spaces, the details link."""
    return _join(
        '<a target="_blank" href="', href, f'" style="{_LINK_STYLE}">', text, "</a>  ",
        '<a target="_blank" href="', details, f'" style="{_LINK_STYLE}">📑</a>',
    )


def _details(model_id: pa.Array, template: str) -> pa.Array:
    before, after = template.split("{}")
    return _join(before, pc.replace_substring(model_id, "/", "__"), after)


def _table(schema: pa.Schema, columns: Mapping[str, pa.Array]) -> pa.Table:
    missing = [f.name for f in schema if f.name not in columns]
    if missing:
        raise ValueError(f"no value for {missing}")
    return pa.Table.from_arrays([pc.cast(columns[f.name], f.type) for f in schema], schema=schema)


# --- v1 --------------------------------------------------------------------------------------------


def v1_dataset_table(columns: Mapping[str, Sequence[str | None]]) -> pa.Table:
    """A final v1 table's columns (its CSV header → text values; empty or None = missing) as the
    v1 dataset's parquet table. The CSV's flags are inverted as the dataset's are: copied as
    they are. `Model` is rebuilt from `model` (the anchor's text) and `url` (its href); the
    columns the CSV does not have (`Chat Template`, `Maintainers Choice`) are null."""
    text = {name: _text(values) for name, values in columns.items()}
    n = len(text["fullname"])
    model_id, precision = text["fullname"], text["precision"]
    values = {
        "eval_name": _eval_name(model_id, precision),
        "Precision": precision,
        "Type": text["type"],
        "T": text["t"],
        "Weight type": text["weight_type"],
        "Architecture": text["architecture"],
        "Model": _anchor(pc.coalesce(text["model"], model_id), pc.coalesce(text["url"], _join(HUB, model_id)),
                         _details(model_id, V1_DETAILS)),
        "fullname": model_id,
        "Model sha": text["model_sha"],
        AVERAGE: _float(text["average"]),
        "Hub License": text["hub_license"],
        LIKES: _int(text["hub_hearts"], LIKES),
        PARAMS: _int(text["params_b"], PARAMS),
        "Available on the hub": _bool(text["available_on_the_hub"], "available_on_the_hub"),
        "Merged": _bool(text["merged"], "merged"),
        "MoE": _bool(text["moe"], "moe"),
        "Flagged": _bool(text["flagged"], "flagged"),
        "date": text["date"],
        "Chat Template": _nulls(n, BOOL),
        **{name: _float(text[name.lower()]) for name in ("ARC", "HellaSwag", "MMLU", "TruthfulQA", "Winogrande", "GSM8K")},
        "Maintainers Choice": _nulls(n, BOOL),
    }
    return _table(V1_DATASET_SCHEMA, values)


# --- v2 --------------------------------------------------------------------------------------------

# The page scrapes (2024-07-13 … 2024-12-07) name a benchmark pair `<x>` / `<x>_raw`; the API
# CSVs (2024-12-15 on) `evaluations_<x>_normalized_score` / `evaluations_<x>_value`.
_PAGE_BENCHMARKS = ("ifeval", "bbh", "math_lvl_5", "gpqa", "musr", "mmlupro")
_API_BENCHMARKS = ("ifeval", "bbh", "math", "gpqa", "musr", "mmlu_pro")


def _v2_record(text: Mapping[str, pa.Array]) -> dict[str, pa.Array]:
    """A weekly v2 CSV's columns as typed values in TRUE polarity, whatever its header version."""
    if "fullname" in text:  # a page scrape: flagged and moe inverted, not_merged "not merged"
        official = text["official_providers"] if "official_providers" in text else text["maintainers_highlight"]
        type_name = text["type"]
        record = {
            "model_id": text["fullname"], "precision": text["precision"], "type": type_name,
            "weight_type": text["weight_type"], "architecture": text["architecture"], "sha": text["model_sha"],
            "average": _float(text["average"]), "license": text["hub_license"],
            "likes": _int(text["hub_hearts"], "hub_hearts"), "params": _float(text["params_b"]),
            "available": _bool(text["available_on_the_hub"], "available_on_the_hub"),
            "merged": pc.invert(_bool(text["not_merged"], "not_merged")),
            "moe": pc.invert(_bool(text["moe"], "moe")),
            "flagged": pc.invert(_bool(text["flagged"], "flagged")),
            "chat": _bool(text["chat_template"], "chat_template"), "official": _bool(official, "official"),
            "upload": text["upload_to_hub_date"], "submission": text["submission_date"],
            "scores": {b: (_float(text[f"{c}_raw"]), _float(text[c])) for b, c in zip(V2_BENCHMARKS, _PAGE_BENCHMARKS)},
        }
        optional = {"generation": "generation", "base_model": "base_model", "co2": "co_cost_kg"}
    else:  # the API layout: true polarity; features_is_not_available_on_hub already means "available"
        official = (text["features_is_official_provider"] if "features_is_official_provider" in text
                    else text["features_is_highlighted_by_maintainer"])
        labels = text["model_type"].to_pylist()
        unknown = sorted({label for label in labels if label is not None and label not in TYPE_NAME_BY_LABEL})
        if unknown:
            raise ValueError(f"model_type: unknown label(s) {unknown}")
        record = {
            "model_id": text["model_name"], "precision": text["model_precision"],
            "type": pa.array([TYPE_NAME_BY_LABEL.get(label) for label in labels], STRING),
            "weight_type": text["model_weight_type"], "architecture": text["model_architecture"],
            "sha": text["model_sha"], "average": _float(text["model_average_score"]),
            "license": text["metadata_hub_license"], "likes": _int(text["metadata_hub_hearts"], "metadata_hub_hearts"),
            "params": _float(text["metadata_params_billions"]),
            "available": _bool(text["features_is_not_available_on_hub"], "features_is_not_available_on_hub"),
            "merged": _bool(text["features_is_merged"], "features_is_merged"),
            "moe": _bool(text["features_is_moe"], "features_is_moe"),
            "flagged": _bool(text["features_is_flagged"], "features_is_flagged"),
            "chat": _bool(text["model_has_chat_template"], "model_has_chat_template"),
            "official": _bool(official, "official"),
            "upload": text["metadata_upload_date"], "submission": text["metadata_submission_date"],
            "scores": {b: (_float(text[f"evaluations_{c}_value"]), _float(text[f"evaluations_{c}_normalized_score"]))
                       for b, c in zip(V2_BENCHMARKS, _API_BENCHMARKS)},
        }
        optional = {"generation": "metadata_generation", "base_model": "metadata_base_model", "co2": "metadata_co2_cost"}
    n = len(record["model_id"])
    record["generation"] = _int(text[optional["generation"]], "generation") if optional["generation"] in text else _nulls(n, INT)
    record["base_model"] = text[optional["base_model"]] if optional["base_model"] in text else _nulls(n, STRING)
    record["co2"] = _float(text[optional["co2"]]) if optional["co2"] in text else _nulls(n, FLOAT)
    return record


def v2_dataset_table(columns: Mapping[str, Sequence[str | None]], layout: str) -> pa.Table:
    """A weekly v2 file's columns (its CSV header → text values) as the v2 dataset's parquet
    table in `layout` (a key of V2_LAYOUTS): the flags in that layout's polarity, `Type` the
    ModelType name (rebuilt from the API label where the CSV has one), `T` its symbol, `Model`
    the anchor, `eval_name` the result key. A column the CSV lacks (Generation and Base Model
    before September, CO₂ before mid-November) is null."""
    if layout not in V2_LAYOUTS:
        raise ValueError(f"unknown v2 parquet layout {layout!r}; expected one of {sorted(V2_LAYOUTS)}")
    _, schema = V2_LAYOUTS[layout]
    record = _v2_record({name: _text(values) for name, values in columns.items()})
    model_id, precision = record["model_id"], record["precision"]
    symbol = pc.utf8_slice_codeunits(record["type"], 0, 1)  # the name's first character is its symbol
    inverted = V2_INVERTED[layout]

    def flag(name: str, value: pa.Array) -> pa.Array:
        return pc.invert(value) if name in inverted else value

    params = _floor_int(record["params"]) if schema.field(PARAMS).type == INT else record["params"]
    values = {
        "eval_name": _eval_name(model_id, precision),
        "Precision": precision,
        "Type": record["type"],
        "T": symbol,
        "Weight type": record["weight_type"],
        "Architecture": record["architecture"],
        "Model": _anchor(model_id, _join(HUB, model_id), _details(model_id, V2_DETAILS)),
        "fullname": model_id,
        "Model sha": record["sha"],
        AVERAGE: record["average"],
        "Hub License": record["license"],
        LIKES: record["likes"],
        PARAMS: params,
        "Available on the hub": record["available"],
        "Merged": record["merged"],
        "Not_Merged": flag("Not_Merged", record["merged"]),
        "MoE": flag("MoE", record["moe"]),
        "Flagged": flag("Flagged", record["flagged"]),
        "Chat Template": record["chat"],
        CO2: record["co2"],
        "Maintainer's Highlight": record["official"],
        "Official Providers": record["official"],
        "Upload To Hub Date": record["upload"],
        "Submission Date": record["submission"],
        "Generation": record["generation"],
        "Base Model": record["base_model"],
    }
    for benchmark, (raw, normalised) in record["scores"].items():
        values[f"{benchmark} Raw"], values[benchmark] = raw, normalised
    return _table(schema, values)


# --- files -----------------------------------------------------------------------------------------


def read_csv_columns(path: Path) -> dict[str, list[str]]:
    """A CSV file (gzip-compressed when it ends in .gz) as header → text values."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    return {name: [row[i] for row in rows] for i, name in enumerate(header)}


def write_parquet_atomic(table: pa.Table, path: Path) -> Path:
    """`table` as a parquet file, written to a temporary name and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_v1_dataset_parquet(final_table_csv: Path, path: Path) -> Path:
    """A final v1 table's CSV as the v1 dataset's parquet file."""
    return write_parquet_atomic(v1_dataset_table(read_csv_columns(final_table_csv)), path)


def write_v2_dataset_parquet(weekly_csv: Path, path: Path, layout: str | None = None) -> Path:
    """A weekly v2 file as the v2 dataset's parquet file, in `layout` (default: the layout of
    the date in the file's name)."""
    if layout is None:
        layout = v2_layout_for(weekly_csv.name.removeprefix("huggingface_v2_")[:10])
    return write_parquet_atomic(v2_dataset_table(read_csv_columns(weekly_csv), layout), path)
