"""The offline default for the weekly Open LLM Leaderboard v2 pulls: synthetic, in the real format.

`generate_weekly_v2` writes `huggingface_v2_<date>.csv.gz`, one file per real pull date
(31 files, 2024-07-13 … 2025-02-08), each in the header layout the real file of that date uses
and with that layout's value formats. Every name, score, sha and date is synthetic; the model
ids of re-evaluated v1 models are those of `synthetic/snapshot.py`'s snapshot with the same seed and
scale (the same synthetic Hub), and new models are named with its syllables, suffixes and
organisations. Only the family tokens (Qwen2.5-7B, gemma-2-9b, Llama-3.1-8B, …) and their
public release dates are real.

Shapes measured on the 31 real files and imitated here (scale 1):
  * Layouts: six headers (`HEADERS`, first dates 2024-07-13, 09-01, 11-15, 12-07, 12-15,
    2025-01-12). Old layout: emoji `t` plus long `type` text (`💬 chat models (RLHF, DPO, IFT,
    ...)`), `model` = `fullname` = the plain id, `url`; normalised scores 0–100 and `_raw`
    scores 0–1, both rounded to 2 decimals and printed as R prints them (`0.8`, `72`); rows
    by average, best first; `flagged` and `moe` inverted (TRUE = not flagged / not MoE),
    `not_merged` not. New layout (2024-12-15 on): `id` = `<model>_<precision>_<sha>_<True|False
    chat template>`, `chatmodels`-style types (emoji and spaces dropped, except `❓other`),
    benchmark `_value` 0–1 and `_normalized_score` 0–100 at 15 significant digits, exact
    params (old `params_b` is their floor), `features_is_not_available_on_hub` inverted
    (TRUE = available); rows by organisation, then name. TRUE/FALSE flags, ISO dates, LF line
    ends, gzip with mtime 0.
  * Scores: MATH Lvl 5 out of 1,324 questions, GPQA out of 1,192, MMLU-PRO out of 12,032,
    IFEval the mean of prompt (541) and instruction (834) accuracy; normalised as the
    leaderboard does (GPQA baseline 0.25, MMLU-PRO 0.1, BBH ~0.29 and MUSR ~0.35 per model);
    average = mean of the six normalised scores. Scores rise with log size.
  * Cadence: file dates are irregular (Thursday to Sunday); over the 31 Sunday-start weeks
    from the first to the last file, five weeks hold two files and five hold none.
  * Growth: 237 rows in the first file to 3,818 in the last. New evaluations arrive at
    ~15/day in July, ~2/day in the pauses of early and late August, ~18/day in September,
    ~11/day from late October, ~26/day from mid-December and ~47/day in the last week.
  * Persistence: an evaluation (model + precision + sha; unique within every file) persists
    to the next file with probability ~99.4%/week until mid-October, ~99.97% after (real: 53
    drop-outs over the 30 transitions, 97.2% kept at worst, none after 2024-11-09 but one);
    about half of the dropped ones come back as a re-evaluation of the same model with a new
    sha. ~1.5-2% of rows are a second evaluation of a model (the other precision).
  * Likes: per model, shared by its evaluations. First file: median 158 (the launch set is
    mostly maintainer-highlighted lab models); later arrivals: ~55% zero. Each week a model
    gains likes with probability rising with its count (0.3% at 0, 4% at 1–5, 16% at 6–20,
    28% at 21–100, 56% above 100; 43% of rows in July, 11% by February), by about 1% of its
    count, at least 1 (median gain 2); ~1% of rows lose one.
  * Who is evaluated: 64% of the first file are v1 leaderboard models (8% of the last file),
    and 93% of it is maintainer-highlighted (12% of the last file); the community's mix moves
    from fine-tunes and chat models to merges (merges 16% of new rows in July, ~50% in 2025).
  * Restatements: on 2024-11-09 MATH Lvl 5 was re-scored in bulk: 70% of the evaluations
    carried over from 2024-11-01 (80% of those with a non-zero score) moved, almost all up, by
    a factor 1.05–1.18 (median 1.10), and the average with it. Smaller re-runs, where several
    benchmarks move a little: 4.5% of rows on 2024-08-17, 0.5% on 2024-08-01, 0.2% on 2025-01-26.
  * Availability: rows not on the Hub (blank licence, often blank upload date) grow from 0.3%
    to 34% of the file: new arrivals are unavailable from 2% (July) to ~50% (2025); each week
    0.3% of the rest disappear from the Hub, 0.1% come back.

Vectorised with numpy: scale 1 takes about two seconds, scale 10 about twenty (most of it gzip).
Same seed and scale give byte-identical files (gzip with mtime 0 and no file name).

`write_weekly_v2_parquet` writes a generated pull again as the v2 dataset's own parquet
(`huggingface_v2_<date>.parquet`, open-llm-leaderboard/contents' documented schema of that date,
leaderboard_parquet.py): the same content, typed, in the dataset's polarity. A landing directory
holds one file per date, so the parquet copies go to a directory of their own (`--parquet`).
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.synthetic.snapshot import (
    _CHAT_SUFFIXES,
    _CONTINUED_SUFFIXES,
    _FT_SUFFIXES,
    _MERGE_SUFFIXES,
    _ODD_ARCHS,
    _STANDALONE_ARCHS,
    _SYLLABLES,
    _VERSIONS,
    CHAT,
    CONTINUED,
    FINE_TUNED,
    HUB_URL,
    MERGE,
    PRETRAINED,
    TYPE_EMOJI,
    TYPE_STRING,
    UNKNOWN,
    _capitalize,
    _hex,
    _lower,
    _Snapshot,
    _str,
    _write_atomic,
    ensure_generated,
)
from orchestration.defs.hub_api.leaderboard_parquet import write_v2_dataset_parquet

GENERATOR_VERSION = "1"
MARKER_NAME = "_generator_weekly.json"

# The dates of the real pulls (the leaderboard's `contents` dataset as it stood at each).
WEEKLY_DATES = (
    "2024-07-13", "2024-07-20", "2024-07-26", "2024-08-01", "2024-08-09", "2024-08-17",
    "2024-08-24", "2024-09-01", "2024-09-07", "2024-09-15", "2024-09-20", "2024-09-29",
    "2024-10-04", "2024-10-11", "2024-10-18", "2024-10-26", "2024-11-01", "2024-11-09",
    "2024-11-15", "2024-11-22", "2024-12-01", "2024-12-07", "2024-12-15", "2024-12-22",
    "2024-12-29", "2025-01-05", "2025-01-12", "2025-01-19", "2025-01-26", "2025-02-01",
    "2025-02-08",
)  # fmt: skip


def file_name(date: str) -> str:
    return f"huggingface_v2_{date}.csv.gz"


def parquet_file_name(date: str) -> str:
    return f"huggingface_v2_{date}.parquet"


def write_weekly_v2_parquet(csv_path: Path, out_dir: Path, layout: str | None = None) -> Path:
    """A generated weekly file (`huggingface_v2_<date>.csv.gz`) as the v2 dataset's parquet,
    `huggingface_v2_<date>.parquet` in out_dir, in `layout` (default: the dataset's layout of
    that date, leaderboard_parquet.v2_layout_for)."""
    date = csv_path.name.removeprefix("huggingface_v2_")[:10]
    return write_v2_dataset_parquet(csv_path, Path(out_dir) / parquet_file_name(date), layout)


# ---------------------------------------------------------------------------------------------
# The six headers, each with the first date that uses it.

_OLD_SCORES = (
    "t", "model", "average", "ifeval", "ifeval_raw", "bbh", "bbh_raw", "math_lvl_5",
    "math_lvl_5_raw", "gpqa", "gpqa_raw", "musr", "musr_raw", "mmlupro", "mmlupro_raw", "type",
    "architecture", "weight_type", "precision", "not_merged", "hub_license", "params_b",
    "hub_hearts", "available_on_the_hub", "model_sha", "flagged", "moe", "submission_date",
    "upload_to_hub_date", "chat_template",
)  # fmt: skip
COLUMNS_2024_07_13 = (*_OLD_SCORES, "maintainers_highlight", "fullname", "url")
COLUMNS_2024_09_01 = (*_OLD_SCORES, "maintainers_highlight", "fullname", "generation", "base_model", "url")
COLUMNS_2024_11_15 = (
    *_OLD_SCORES, "maintainers_highlight", "fullname", "generation", "base_model", "co_cost_kg", "url",
)  # fmt: skip
COLUMNS_2024_12_07 = (
    *_OLD_SCORES, "official_providers", "fullname", "generation", "base_model", "co_cost_kg", "url",
)  # fmt: skip
_NEW_HEAD = (
    "id", "model_name", "model_sha", "model_precision", "model_type", "model_weight_type",
    "model_architecture", "model_average_score", "model_has_chat_template",
    "evaluations_ifeval_name", "evaluations_ifeval_value", "evaluations_ifeval_normalized_score",
    "evaluations_bbh_name", "evaluations_bbh_value", "evaluations_bbh_normalized_score",
    "evaluations_math_name", "evaluations_math_value", "evaluations_math_normalized_score",
    "evaluations_gpqa_name", "evaluations_gpqa_value", "evaluations_gpqa_normalized_score",
    "evaluations_musr_name", "evaluations_musr_value", "evaluations_musr_normalized_score",
    "evaluations_mmlu_pro_name", "evaluations_mmlu_pro_value",
    "evaluations_mmlu_pro_normalized_score", "features_is_not_available_on_hub",
    "features_is_merged", "features_is_moe", "features_is_flagged",
)  # fmt: skip
_NEW_TAIL = (
    "metadata_upload_date", "metadata_submission_date", "metadata_generation",
    "metadata_base_model", "metadata_hub_license", "metadata_hub_hearts",
    "metadata_params_billions", "metadata_co2_cost",
)  # fmt: skip
COLUMNS_2024_12_15 = (*_NEW_HEAD, "features_is_highlighted_by_maintainer", *_NEW_TAIL)
COLUMNS_2025_01_12 = (*_NEW_HEAD, "features_is_official_provider", *_NEW_TAIL)

HEADERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("2024-07-13", COLUMNS_2024_07_13),
    ("2024-09-01", COLUMNS_2024_09_01),
    ("2024-11-15", COLUMNS_2024_11_15),
    ("2024-12-07", COLUMNS_2024_12_07),
    ("2024-12-15", COLUMNS_2024_12_15),
    ("2025-01-12", COLUMNS_2025_01_12),
)
NEW_LAYOUT_FROM = "2024-12-15"


def header_for(date: str) -> tuple[str, ...]:
    """The columns of the real file of `date` (ISO dates compare as strings)."""
    starts = [start for start, _ in HEADERS if start <= date]
    if not starts:
        raise ValueError(f"no v2 layout before {HEADERS[0][0]}: {date}")
    return dict(HEADERS)[starts[-1]]


# ---------------------------------------------------------------------------------------------
# Measured shapes (see the module docstring)

# New evaluations per day from each date on (scale 1): the submission queue, with its pauses.
_ARRIVALS_PER_DAY = (
    ("2024-07-13", 14.6), ("2024-07-26", 17.5), ("2024-08-01", 1.75), ("2024-08-09", 26.4),
    ("2024-08-17", 2.6), ("2024-09-01", 17.5), ("2024-10-18", 11.3), ("2024-12-15", 26.4),
    ("2025-02-01", 46.7),
)  # fmt: skip
_FIRST_FILE_ROWS = 237
_LAUNCH = "2024-06-08"  # earliest submission date in the first file
_BACKLOG_END = "2024-07-11"  # latest submission date in the first file
# Evaluations dropped per week (about half come back with a new sha), before and after the cut.
_GONE_PER_WEEK = ((0.006, "2024-10-15"), (0.0003, None))
_REPLACED_SHARE = 0.5
_EXTRA_EVAL_SHARE = 0.015  # another precision of a model already on the board
# Where new arrivals come from: v1 models re-evaluated, lab/provider releases, the community.
_BACKLOG_MIX = {"v1": 0.60, "official": 0.35}
_LATER_MIX = {"v1": 0.045, "official": 0.07}
_BACKLOG_HIGHLIGHT = 0.93  # maintainer-highlighted share of the launch set

# Restatements: (date, kind, share of the evaluations carried over from the previous file).
# The "math" share is of the evaluations with a non-zero MATH Lvl 5 score.
RESTATEMENTS = (
    ("2024-08-01", "rerun", 0.005),
    ("2024-08-17", "rerun", 0.045),
    ("2024-11-09", "math", 0.80),
    ("2025-01-26", "rerun", 0.002),
)
MATH_RESCORE_DATE = "2024-11-09"
_MATH_FACTOR = (1.10, 0.045)  # lognormal median and sigma of new/old MATH Lvl 5
_FLAG_DATE = "2024-12-22"  # the few flagged evaluations are flagged from here on

# Likes: weekly chance of a gain is logistic in log(1 + likes) (see the docstring).
_LIKE_UP = (-4.18, 0.775)
_LIKE_STEP = (0.012, 1.0)  # lognormal median and sigma of the gain, as a share of the count
_LIKE_DOWN = 0.01
# Availability on the Hub.
_UNAVAILABLE_AT_ARRIVAL = (("2024-07-13", 0.02), ("2025-02-08", 0.55))
_HUB_EXIT, _HUB_RETURN = 0.003, 0.001

# Model types: synthetic/snapshot.py's codes, plus multimodal; UNKNOWN is the v2 `❓ other`.
MULTIMODAL = 6
V2_TYPE_EMOJI = np.array([*TYPE_EMOJI[:UNKNOWN], "❓", "🌸"], dtype=object)
V2_TYPE_STRING = np.array([*TYPE_STRING[:UNKNOWN], "❓ other", "🌸 multimodal"], dtype=object)
V2_TYPE_LABEL = np.array(
    ["pretrained", "continuouslypretrained", "fine-tunedondomain-specificdatasets", "chatmodels",
     "basemergesandmoerges", "❓other", "multimodal"],
    dtype=object,
)  # fmt: skip
# Type shares of community arrivals in July 2024 and in February 2025 (interpolated between):
# merges grow from a sixth to half, chat models shrink.
_TYPE_CODES = (PRETRAINED, CONTINUED, FINE_TUNED, CHAT, MERGE, UNKNOWN, MULTIMODAL)
_TYPE_SHARE_START = (0.08, 0.03, 0.45, 0.27, 0.165, 0.0005, 0.0045)
_TYPE_SHARE_END = (0.035, 0.01, 0.38, 0.07, 0.49, 0.0005, 0.0145)
_CHAT_TEMPLATE_RATE = {PRETRAINED: 0.06, CONTINUED: 0.4, FINE_TUNED: 0.51, CHAT: 0.94, MERGE: 0.37,
                       UNKNOWN: 0.0, MULTIMODAL: 0.43}  # fmt: skip
_MERGED_FLAG_RATE = {MERGE: 0.36}  # others 0.045
_REMOVED_BASE_RATE = {MERGE: 0.157, CHAT: 0.065, FINE_TUNED: 0.095, CONTINUED: 0.02}

_PRECISIONS = ("bfloat16", "float16", "4bit")
_V2_LICENSES = (
    ("apache-2.0", 0.52), ("other", 0.11), ("mit", 0.095), ("cc-by-nc-4.0", 0.045),
    ("creativeml-openrail-m", 0.006), ("gpl-3.0", 0.003), ("cc-by-nc-sa-4.0", 0.003),
    ("cc-by-4.0", 0.002), ("bigscience-bloom-rail-1.0", 0.0015), ("wtfpl", 0.001), ("unknown", 0.001),
)  # fmt: skip
_MULTIMODAL_ARCHS = np.array(
    ["MllamaForConditionalGeneration", "Qwen2VLForConditionalGeneration", "LlavaForConditionalGeneration"],
    dtype=object,
)

_L = "LlamaForCausalLM"


@dataclass(frozen=True)
class _Family:
    lab: int  # index into synthetic/snapshot.py's synthetic labs; -1 = no lab (community architectures)
    token: str
    sizes: tuple[tuple[str, float], ...]  # size token ("" = in the token) and exact params
    arch: str
    release: str
    popularity: float
    license: str
    instruct: str  # suffix of the lab's instruction-tuned release
    bonus: float  # score offset in log2-size units: newer families score higher on v2


# Real family tokens and release dates: the v2 era's foundation models.
_FAMILIES = (
    _Family(4, "Qwen2.5", (("0.5B", 0.494), ("1.5B", 1.544), ("3B", 3.086), ("7B", 7.616), ("14B", 14.77),
                           ("32B", 32.764), ("72B", 72.706)), "Qwen2ForCausalLM", "2024-09-19", 10.0,
            "apache-2.0", "-Instruct", 0.5),
    _Family(4, "Qwen2", (("0.5B", 0.494), ("1.5B", 1.544), ("7B", 7.616), ("72B", 72.706)),
            "Qwen2ForCausalLM", "2024-06-06", 2.5, "apache-2.0", "-Instruct", 0.1),
    _Family(0, "Llama-3.1", (("8B", 8.03), ("70B", 70.554)), _L, "2024-07-23", 7.5, "llama3.1", "-Instruct", 0.2),
    _Family(0, "Llama-3.2", (("1B", 1.236), ("3B", 3.213)), _L, "2024-09-25", 3.0, "llama3.2", "-Instruct", 0.2),
    _Family(0, "Llama-3.3", (("70B", 70.554),), _L, "2024-12-06", 0.6, "llama3.3", "-Instruct", 0.4),
    _Family(0, "Meta-Llama-3", (("8B", 8.03), ("70B", 70.554)), _L, "2024-04-18", 3.5, "llama3", "-Instruct", 0.0),
    _Family(0, "Llama-2", (("7b", 6.738), ("13b", 13.016)), _L, "2023-07-18", 0.4, "llama2", "-chat", -0.8),
    _Family(3, "gemma-2", (("2b", 2.614), ("9b", 9.242), ("27b", 27.227)), "Gemma2ForCausalLM", "2024-06-27",
            3.2, "gemma", "-it", 0.3),
    _Family(1, "Mistral-7B-v0.3", (("", 7.248),), "MistralForCausalLM", "2024-05-22", 3.0, "apache-2.0",
            "-Instruct", -0.2),
    _Family(1, "Mistral-Nemo", (("12B", 12.248),), "MistralForCausalLM", "2024-07-18", 3.0, "apache-2.0",
            "-Instruct", 0.0),
    _Family(1, "Mistral-Small", (("22B", 22.247),), "MistralForCausalLM", "2024-09-17", 0.6, "other",
            "-Instruct", 0.0),
    _Family(1, "Mixtral-8x7B", (("", 46.703),), "MixtralForCausalLM", "2023-12-11", 0.8, "apache-2.0",
            "-Instruct", -0.4),
    _Family(2, "Phi-3-medium", (("", 13.96),), "Phi3ForCausalLM", "2024-05-21", 0.4, "mit", "-instruct", 0.0),
    _Family(2, "Phi-3.5-mini", (("", 3.821),), "Phi3ForCausalLM", "2024-08-20", 0.8, "mit", "-instruct", 0.2),
    _Family(2, "phi-4", (("", 14.66),), "Phi3ForCausalLM", "2024-12-12", 1.5, "mit", "-instruct", 0.5),
)  # fmt: skip
_TAIL_WEIGHT = 0.05  # community models of other architectures (synthetic/snapshot.py's standalone ones)
# Which size of a family people build on: 7-9B dominates (43% of rows), then 12-15B (23%).
_SIZE_WEIGHT = ((0.9, 1.2), (2.0, 0.6), (4.0, 0.8), (9.0, 2.6), (16.0, 2.0), (40.0, 0.45), (np.inf, 0.22))

# Scores: normalised score = top * sigmoid(slope * (g - mid)) + noise, g = log2(1 + params) + …
_BENCH = ("ifeval", "bbh", "math", "gpqa", "musr", "mmlu_pro")
_OLD_BENCH = ("ifeval", "bbh", "math_lvl_5", "gpqa", "musr", "mmlupro")
_BENCH_NAME = ("IFEval", "BBH", "MATH Level 5", "GPQA", "MUSR", "MMLU-PRO")
_TOP = np.array([60.0, 52.0, 24.0, 15.0, 18.0, 46.0])
_MID = np.array([1.6, 3.2, 3.6, 3.6, 2.8, 3.0])
_SLOPE = np.array([0.6, 0.8, 0.9, 0.9, 0.7, 0.85])
_NOISE = np.array([13.0, 4.0, 3.5, 2.5, 3.0, 3.0])
_IFEVAL_TYPE = {PRETRAINED: -15.0, CONTINUED: -8.0, FINE_TUNED: 0.0, CHAT: 8.0, MERGE: 3.0, UNKNOWN: 0.0,
                MULTIMODAL: 0.0}  # fmt: skip
_QUESTIONS = {"ifeval_prompts": 541, "ifeval_instructions": 834, "math": 1324, "gpqa": 1192, "mmlu_pro": 12032}


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


# ---------------------------------------------------------------------------------------------
# Public API


def generate_weekly_v2(out_dir: Path, *, seed: int = 42, scale: float = 1.0) -> list[Path]:
    """Write one `huggingface_v2_<date>.csv.gz` per date of WEEKLY_DATES into out_dir; return
    their paths in date order. Same seed and scale give byte-identical files."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER_NAME).unlink(missing_ok=True)
    paths = []
    for date, columns in _Weekly(seed=seed, scale=scale).tables():
        path = out_dir / file_name(date)
        payload = _gzip_csv(columns)
        _write_atomic(path, lambda handle, payload=payload: handle.write(payload))
        paths.append(path)
    return paths


def ensure_generated_weekly(out_dir: Path, *, seed: int = 42, scale: float = 1.0) -> Path:
    """Generate into out_dir unless its marker (`_generator_weekly.json`) says these exact
    files are already there."""
    return ensure_generated(
        Path(out_dir), MARKER_NAME,
        {"generator_version": GENERATOR_VERSION, "seed": int(seed), "scale": float(scale)},
        [file_name(date) for date in WEEKLY_DATES],
        lambda: generate_weekly_v2(out_dir, seed=seed, scale=scale),
    )


def _gzip_csv(columns: dict[str, np.ndarray]) -> bytes:
    """As the real files: comma CSV with a header, LF line ends, gzip without name or time.
    Every value is already text, quoted where it needs to be (see _quote)."""
    lines = [",".join(columns)]
    lines.extend(",".join(row) for row in zip(*columns.values()))
    lines.append("")
    return gzip.compress("\n".join(lines).encode("utf-8"), compresslevel=6, mtime=0)


def _quote(values: np.ndarray) -> np.ndarray:
    """Minimal CSV quoting: only fields holding a comma, quote or line break are quoted."""
    out = np.asarray(values, dtype=object).copy()
    for i, value in enumerate(out):
        if "," in value or '"' in value or "\n" in value or "\r" in value:
            out[i] = '"' + value.replace('"', '""') + '"'
    return out


# ---------------------------------------------------------------------------------------------
# Formatting


_FRACTION_2 = np.array([""] + ["." + f"{k:02d}".rstrip("0") for k in range(1, 100)], dtype=object)


def _r2(values: np.ndarray) -> np.ndarray:
    """Rounded to 2 decimals and printed as R prints them: 0.8, 72, 17.59, -1."""
    cents = np.rint(np.asarray(values, dtype=float) * 100).astype(np.int64)
    sign = np.where(cents < 0, "-", "")
    cents = np.abs(cents)
    return (sign + _str(cents // 100) + _FRACTION_2[cents % 100]).astype(object)


def _g15(values: np.ndarray) -> np.ndarray:
    """15 significant digits, trailing zeros dropped (R's write.csv)."""
    return np.char.mod("%.15g", np.asarray(values, dtype=float)).astype(object)


def _dates(days: np.ndarray) -> np.ndarray:
    """Days since the epoch as ISO dates; negative = blank."""
    days = np.asarray(days, dtype=np.int64)
    out = np.maximum(days, 0).astype("datetime64[D]").astype(str).astype(object)
    out[days < 0] = ""
    return out


def _bool_text(values: np.ndarray) -> np.ndarray:
    return np.where(values, "TRUE", "FALSE").astype(object)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _soft_positive(x: np.ndarray, softness: float = 40.0) -> np.ndarray:
    """max(x, 0), smoothed: averaged per-subtask normalisation stays just above zero."""
    return np.logaddexp(0.0, x * softness) / softness


# ---------------------------------------------------------------------------------------------
# The simulation


class _Weekly:
    """Simulates the leaderboard's evaluations over the pull dates, then renders each pull."""

    V1, OFFICIAL, COMMUNITY = range(3)

    def __init__(self, *, seed: int, scale: float) -> None:
        self.seed = int(seed)
        self.scale = float(scale)
        self.dates = WEEKLY_DATES
        self.days = np.array([_day(d) for d in self.dates], dtype=np.int64)
        self.n_files = len(self.dates)

    def _rng(self, stream: int) -> np.random.Generator:
        # Streams 100+ so they never coincide with synthetic/snapshot.py's for the same seed.
        return np.random.default_rng([self.seed, 100 + stream])

    def tables(self):
        """(date, {column: text values}) for each pull, in date order."""
        self._snapshot = _Snapshot(seed=self.seed, scale=self.scale)
        self._snapshot._build_names()
        self._snapshot._build_models()
        self._timeline()
        self._models()
        self._evaluations()
        self._dynamics()
        yield from self._render()

    # -- timeline: which evaluations are on which pull ----------------------------------------

    def _arrivals(self, rng: np.random.Generator) -> np.ndarray:
        knots = np.array([_day(d) for d, _ in _ARRIVALS_PER_DAY] + [self.days[-1] + 1], dtype=np.int64)
        rates = np.array([r for _, r in _ARRIVALS_PER_DAY])
        cum = np.concatenate([[0.0], np.cumsum(rates * np.diff(knots))])
        expected = np.diff(np.interp(self.days, knots, cum)) * self.scale
        counts = rng.poisson(expected)
        return np.concatenate([[rng.poisson(_FIRST_FILE_ROWS * self.scale)], counts])

    def _timeline(self) -> None:
        rng = self._rng(1)
        counts = self._arrivals(rng)
        gone_cut = _day(_GONE_PER_WEEK[0][1])
        # Per evaluation: model (index into the model list), first and last pull (inclusive),
        # and what it copies (-1 = a fresh evaluation; else the evaluation it re-runs).
        ev_model, ev_first, ev_copy, ev_kind_new_sha = [], [], [], []
        last = np.zeros(0, dtype=np.int64)
        model_kind, model_first = [], []
        n_models = 0
        for k in range(self.n_files):
            first = np.concatenate(ev_first) if ev_first else np.zeros(0, np.int64)
            batch_model, batch_copy, batch_new_sha = [], [], []
            if k > 0:
                alive = np.flatnonzero((first < k) & (last >= k))
                weeks = (self.days[k] - self.days[k - 1]) / 7.0
                rate = _GONE_PER_WEEK[0][0] if self.days[k] <= gone_cut else _GONE_PER_WEEK[1][0]
                gone = alive[rng.random(len(alive)) < rate * weeks]
                last[gone] = k - 1  # on the previous pull, not on this one
                back = gone[rng.random(len(gone)) < _REPLACED_SHARE]
                models = np.concatenate(ev_model)
                batch_model.append(models[back])
                batch_copy.append(back)
                batch_new_sha.append(np.ones(len(back), bool))
                # Another precision of a model already on the board.
                n_extra = rng.binomial(counts[k], _EXTRA_EVAL_SHARE) if len(alive) else 0
                still = np.setdiff1d(alive, gone)
                src = still[rng.integers(0, len(still), n_extra)] if len(still) else np.zeros(0, np.int64)
                src = np.unique(src)
                batch_model.append(models[src])
                batch_copy.append(src)
                batch_new_sha.append(np.zeros(len(src), bool))
                n_fresh = counts[k] - len(src)
                mix = _LATER_MIX
            else:
                n_fresh = counts[0]
                mix = _BACKLOG_MIX
            u = rng.random(n_fresh)
            kind = np.where(u < mix["v1"], self.V1, np.where(u < mix["v1"] + mix["official"], self.OFFICIAL,
                                                             self.COMMUNITY))
            model_kind.append(kind)
            model_first.append(np.full(n_fresh, k))
            batch_model.append(np.arange(n_models, n_models + n_fresh))
            batch_copy.append(np.full(n_fresh, -1))
            batch_new_sha.append(np.ones(n_fresh, bool))
            n_models += n_fresh
            b_model = np.concatenate(batch_model).astype(np.int64)
            ev_model.append(b_model)
            ev_first.append(np.full(len(b_model), k, dtype=np.int64))
            ev_copy.append(np.concatenate(batch_copy).astype(np.int64))
            ev_kind_new_sha.append(np.concatenate(batch_new_sha))
            last = np.concatenate([last, np.full(len(b_model), self.n_files - 1, dtype=np.int64)])
        self.ev_model = np.concatenate(ev_model)
        self.ev_first = np.concatenate(ev_first)
        self.ev_last = last  # inclusive
        self.ev_copy = np.concatenate(ev_copy)
        self.ev_new_sha = np.concatenate(ev_kind_new_sha)
        self.model_kind = np.concatenate(model_kind)
        self.model_first = np.concatenate(model_first)
        self.n_models = n_models
        self.n_evals = len(self.ev_model)
        # Submission dates: the launch set over the month before the first pull; later ones a
        # few days before their first pull (a few wait weeks in the queue).
        sub = np.empty(self.n_evals, dtype=np.int64)
        backlog = self.ev_first == 0
        sub[backlog] = rng.integers(_day(_LAUNCH), _day(_BACKLOG_END) + 1, backlog.sum())
        later = np.flatnonzero(~backlog)
        lag = np.rint(rng.exponential(4.5, len(later))).astype(np.int64)
        long_wait = rng.random(len(later)) < 0.05
        lag[long_wait] = rng.integers(10, 60, long_wait.sum())
        sub[later] = np.maximum(self.days[self.ev_first[later]] - lag, _day(_LAUNCH))
        self.ev_sub = sub
        self.model_sub = np.full(self.n_models, np.iinfo(np.int64).max)
        np.minimum.at(self.model_sub, self.ev_model, sub)

    # -- models -------------------------------------------------------------------------------

    def _models(self) -> None:
        rng = self._rng(2)
        snap = self._snapshot
        n = self.n_models
        kind = self.model_kind
        sub = self.model_sub
        self.model_id = np.empty(n, dtype=object)
        self.mtype = np.empty(n, dtype=np.int64)
        self.arch = np.empty(n, dtype=object)
        self.params = np.empty(n, dtype=float)
        self.license = np.empty(n, dtype=object)
        self.upload = np.empty(n, dtype=np.int64)
        self.generation = np.zeros(n, dtype=np.int64)
        self.base_model = np.empty(n, dtype=object)
        self.bonus = np.zeros(n)
        self.official = np.zeros(n, dtype=bool)
        self.is_moe = np.zeros(n, dtype=bool)
        self.famous = np.zeros(n, dtype=bool)

        backlog = self.model_first == 0
        self.official[backlog] = rng.random(backlog.sum()) < _BACKLOG_HIGHLIGHT
        self.official |= kind == self.OFFICIAL

        # v1 models re-evaluated: foundation models first, then derived ones (never flagged).
        v1 = np.flatnonzero(kind == self.V1)
        candidates = np.flatnonzero(~snap.flagged & (snap.created < _day("2024-05-20") * 86_400))
        weight = np.where(snap.kind[candidates] == 0, 60.0, 1.0)
        order = candidates[np.argsort(-rng.random(len(candidates)) ** (1.0 / weight), kind="stable")]
        v1 = v1[: len(order)]
        kind[np.flatnonzero(kind == self.V1)[len(order):]] = self.COMMUNITY
        src = order[: len(v1)]
        self.model_id[v1] = snap.model_ids[src]
        vtype = snap.model_type[src].copy()
        vtype[vtype == UNKNOWN] = FINE_TUNED
        self.mtype[v1] = vtype
        arch = snap.arch[src].copy()
        arch[np.isin(arch, ("Unknown", "?"))] = "?"
        self.arch[v1] = arch
        self.params[v1] = np.round(np.where(snap.params[src] > 0, snap.params[src], 0.1)
                                   + rng.uniform(0.0, 0.95, len(v1)), 3)
        self.license[v1] = np.where(snap.license_hint[src] != "", snap.license_hint[src],
                                    _pick_table(rng, _V2_LICENSES, len(v1)))
        self.upload[v1] = np.minimum(snap.created[src] // 86_400, sub[v1])
        parent = snap.parent[src]
        self.generation[v1] = np.where(parent >= 0, 1 + (rng.random(len(v1)) < 0.15), 0)
        self.base_model[v1] = np.where(parent >= 0, snap.model_ids[np.maximum(parent, 0)], snap.model_ids[src])
        self.bonus[v1] = -0.5
        self.is_moe[v1] = snap.is_moe[src]
        self.famous[v1] = snap.kind[src] == 0

        self._new_models(rng, np.flatnonzero(kind != self.V1))
        self._dedupe(rng)

    def _new_models(self, rng: np.random.Generator, new: np.ndarray) -> None:
        snap = self._snapshot
        m = len(new)
        sub = self.model_sub[new]
        official = self.official[new]
        # Family: among those released at least three days before, by popularity; a few use
        # other architectures (synthetic/snapshot.py's standalone ones).
        release = np.array([_day(f.release) for f in _FAMILIES])
        popularity = np.array([f.popularity for f in _FAMILIES])
        weight = np.where(release[None, :] + 3 <= sub[:, None], popularity[None, :], 0.0)
        weight[:, np.argmin(release)] += 1e-9
        cw = np.cumsum(weight, axis=1)
        family = (cw < rng.random(m)[:, None] * cw[:, -1:]).sum(axis=1)
        tail = ~official & (rng.random(m) < _TAIL_WEIGHT)
        size_w = np.zeros((len(_FAMILIES), max(len(f.sizes) for f in _FAMILIES)))
        for i, fam in enumerate(_FAMILIES):
            for j, (_, b) in enumerate(fam.sizes):
                size_w[i, j] = next(w for limit, w in _SIZE_WEIGHT if b <= limit)
        cw = np.cumsum(size_w[family], axis=1)
        size_index = (cw < rng.random(m)[:, None] * cw[:, -1:]).sum(axis=1)

        # Type: official releases are a base or an instruct model; the community's mix drifts.
        t = np.clip((sub - self.days[0]) / (self.days[-1] - self.days[0]), 0.0, 1.0)[:, None]
        shares = (1 - t) * np.array(_TYPE_SHARE_START) + t * np.array(_TYPE_SHARE_END)
        cw = np.cumsum(shares, axis=1)
        mtype = np.array(_TYPE_CODES)[(cw < rng.random(m)[:, None] * cw[:, -1:]).sum(axis=1)]
        instruct = rng.random(m) < 0.55
        mtype[official] = np.where(instruct[official], CHAT, PRETRAINED)

        fam_token = np.array([f.token for f in _FAMILIES], dtype=object)[family]
        size_token = np.array([f.sizes[i][0] for f, i in zip(np.array(_FAMILIES, dtype=object)[family], size_index)],
                              dtype=object) if m else np.zeros(0, object)
        params = np.array([f.sizes[i][1] for f, i in zip(np.array(_FAMILIES, dtype=object)[family], size_index)],
                          dtype=float) if m else np.zeros(0)
        canonical = np.where(size_token == "", fam_token, fam_token + "-" + size_token)
        arch = np.array([f.arch for f in _FAMILIES], dtype=object)[family]
        license_ = np.array([f.license for f in _FAMILIES], dtype=object)[family]
        lab = np.array([f.lab for f in _FAMILIES])[family]
        instruct_suffix = np.array([f.instruct for f in _FAMILIES], dtype=object)[family]
        bonus = np.array([f.bonus for f in _FAMILIES])[family]

        # Other architectures: a series word per architecture, its printed sizes.
        t_idx = np.flatnonzero(tail)
        archs = np.array([a for a, *_ in _STANDALONE_ARCHS], dtype=object)
        aw = np.array([w for _, w, *_ in _STANDALONE_ARCHS])
        pick = rng.choice(len(archs), size=len(t_idx), p=aw / aw.sum())
        series = _capitalize(_fresh_stems(rng, len(archs), 3))
        sizes = [np.array(s, dtype=float) for _, _, s, _ in _STANDALONE_ARCHS]
        tail_params = np.array([sizes[p][rng.integers(0, len(sizes[p]))] for p in pick]) if len(t_idx) else np.zeros(0)
        tail_params = np.round(np.maximum(tail_params, 0.1) + rng.uniform(0.0, 0.95, len(t_idx)), 3)
        arch[t_idx] = archs[pick]
        params[t_idx] = tail_params
        size_token[t_idx] = _str(np.maximum(np.rint(tail_params), 1).astype(np.int64)) + "B"
        fam_token[t_idx] = series[pick]
        canonical[t_idx] = series[pick] + "-" + size_token[t_idx]
        license_[t_idx] = _pick_table(rng, _V2_LICENSES, len(t_idx))
        lab[t_idx] = -1
        bonus[t_idx] = -0.6

        # Odd architecture strings, multimodal models, mixtures of experts.
        u = rng.random(m)
        arch[(u < 0.015) & ~official] = "?"
        qwen_model = np.isin(family, (0, 1)) & (u >= 0.015) & (u < 0.095) & ~official & ~tail
        arch[qwen_model] = "Qwen2Model"
        odd = (u >= 0.095) & (u < 0.1) & ~official & (arch == _L)
        arch[odd] = _ODD_ARCHS[rng.integers(0, len(_ODD_ARCHS), odd.sum())]
        mm = mtype == MULTIMODAL
        arch[mm] = _MULTIMODAL_ARCHS[rng.integers(0, len(_MULTIMODAL_ARCHS), mm.sum())]
        moe = (arch == "MixtralForCausalLM") | ((mtype == MERGE) & (rng.random(m) < 0.012))
        params[(mtype == MERGE) & moe & (arch != "MixtralForCausalLM")] *= 3.6
        arch[moe & (arch != "MixtralForCausalLM") & (arch != "?")] = "MixtralForCausalLM"
        params[rng.random(m) < 0.001] = -1.0  # the leaderboard could not read the size

        # Names. Official: the lab's release (or a provider org's); community: synthetic/snapshot.py's
        # suffix pools and templates around the family token.
        stems = _fresh_stems(rng, m, 4)
        word = np.where(rng.random(m) < 0.65, _capitalize(stems), stems)
        family_word = np.where(rng.random(m) < 0.4, _lower(canonical), canonical)
        version = _VERSIONS[rng.integers(0, len(_VERSIONS), m)]
        suffix = np.empty(m, dtype=object)
        pools = {PRETRAINED: _CONTINUED_SUFFIXES, CONTINUED: _CONTINUED_SUFFIXES, FINE_TUNED: _FT_SUFFIXES,
                 CHAT: _CHAT_SUFFIXES, MERGE: _MERGE_SUFFIXES, UNKNOWN: _FT_SUFFIXES,
                 MULTIMODAL: np.array(["Vision", "VL", "vision-instruct"], dtype=object)}  # fmt: skip
        for code, pool in pools.items():
            sel = mtype == code
            suffix[sel] = pool[rng.integers(0, len(pool), sel.sum())]
        suffix[moe & (mtype == MERGE)] = "MoE"
        size_or_params = np.where(size_token == "", _str(np.maximum(np.rint(params), 1).astype(np.int64)) + "B",
                                  size_token)
        templates = (
            (0.14, lambda i: word[i] + "-" + family_word[i]),
            (0.12, lambda i: family_word[i] + "-" + word[i] + "-" + suffix[i]),
            (0.14, lambda i: word[i] + "-" + family_word[i] + "-" + suffix[i]),
            (0.08, lambda i: word[i] + "-" + family_word[i] + "-" + version[i]),
            (0.22, lambda i: word[i] + "-" + size_or_params[i] + "-" + suffix[i]),
            (0.10, lambda i: word[i] + "-" + size_or_params[i]),
            (0.06, lambda i: _lower(stems[i] + "_" + size_or_params[i] + "_" + suffix[i])),
            (0.14, lambda i: word[i] + "-" + suffix[i] + "-" + version[i]),
        )
        tw = np.array([w for w, _ in templates])
        choice = rng.choice(len(templates), size=m, p=tw / tw.sum())
        names = np.empty(m, dtype=object)
        for k, (_, build) in enumerate(templates):
            idx = np.flatnonzero(choice == k)
            names[idx] = build(idx)
        templated = names.copy()
        names[official] = (canonical + np.where(instruct, instruct_suffix, ""))[official]

        providers = np.flatnonzero(~snap.org_is_person)
        providers = providers[np.argsort(-snap.org_weight[providers], kind="stable")][:25]
        owner = snap.org_names[rng.choice(len(snap.org_names), size=m, p=snap.org_weight)]
        by_lab = official & (lab >= 0) & (rng.random(m) < 0.7)
        owner[official] = snap.org_names[providers[rng.integers(0, len(providers), official.sum())]]
        owner[by_lab] = snap.lab_names[lab[by_lab]]
        lab_owner = np.where(lab >= 0, snap.lab_names[np.maximum(lab, 0)], owner)
        # A release name is taken once; later releases of that size get a name of their own.
        repeat = official & pd.Series(_lower(owner + "/" + names)).duplicated().to_numpy()
        names[repeat] = templated[repeat]

        # Repo details: upload a few days before submission (the lab's: at release); licence
        # of the family or the community's own; the declared base and generation.
        up_lag = np.where(rng.random(m) < 0.5, rng.integers(0, 2, m), np.rint(rng.exponential(30, m)))
        upload = sub - up_lag.astype(np.int64)
        fam_release = np.where(tail, sub - rng.integers(30, 400, m), release[family])
        upload = np.where(official, np.minimum(fam_release + rng.integers(0, 3, m), sub),
                          np.maximum(upload, fam_release))
        license_ = np.where(official | (rng.random(m) < 0.45), license_, _pick_table(rng, _V2_LICENSES, m))

        generation = np.zeros(m, dtype=np.int64)
        derived = ~official & np.isin(mtype, (FINE_TUNED, CHAT, CONTINUED, MULTIMODAL, UNKNOWN))
        gen_draw = rng.choice(5, size=m, p=[0.50, 0.35, 0.11, 0.03, 0.01])
        generation[derived] = gen_draw[derived]
        generation[mm] = np.maximum(generation[mm], 1)
        merges = ~official & (mtype == MERGE)
        generation[merges] = (rng.random(merges.sum()) < 0.73).astype(np.int64)
        pre = ~official & (mtype == PRETRAINED)
        generation[pre] = np.where(rng.random(pre.sum()) < 0.88, 0, rng.integers(1, 7, pre.sum()))
        generation[official & instruct] = 1
        ids = owner + "/" + names
        root_id = lab_owner + "/" + canonical
        base = np.where(generation > 0, root_id, ids)
        base[official & instruct] = root_id[official & instruct]
        base[merges] = np.where(generation[merges] > 0, ids[merges] + " (Merge)", ids[merges])
        removed_rate = np.select([mtype == c for c in _REMOVED_BASE_RATE], list(_REMOVED_BASE_RATE.values()), 0.0)
        removed = rng.random(m) < removed_rate
        base[removed & ~official] = "Removed"

        self.model_id[new] = ids
        self.mtype[new] = mtype
        self.arch[new] = arch
        self.params[new] = params
        self.license[new] = license_
        self.upload[new] = np.minimum(upload, sub)
        self.generation[new] = generation
        self.base_model[new] = base
        type_bonus = np.select([mtype == MERGE, mtype == PRETRAINED, mtype == CONTINUED], [0.2, -0.2, -0.2], 0.0)
        self.bonus[new] = bonus + type_bonus
        self.is_moe[new] = moe
        self.famous[new] = official
        self.famous |= self.official

    def _dedupe(self, rng: np.random.Generator) -> None:
        """Model ids are unique case-insensitively, and never clash with a v1 id this pull set
        does not re-evaluate: a clashing new name gets a series word."""
        taken = set(_lower(self._snapshot.model_ids))
        new = np.flatnonzero(self.model_kind != self.V1)
        lowered = _lower(self.model_id[new])
        _, first = np.unique(lowered, return_index=True)
        dup = np.ones(len(new), bool)
        dup[first] = False
        clash = np.array([x in taken for x in lowered], dtype=bool)
        fix = new[dup | clash]
        if len(fix):
            extra = _capitalize(_fresh_stems(rng, len(fix), 5))
            self.model_id[fix] = self.model_id[fix] + "-" + extra
            merged_self = np.char.endswith(self.base_model[fix].astype(str), " (Merge)")
            self.base_model[fix[merged_self]] = self.model_id[fix[merged_self]] + " (Merge)"
            own = self.generation[fix] == 0
            keep = (self.base_model[fix] != "Removed") & own & ~merged_self
            self.base_model[fix[keep]] = self.model_id[fix[keep]]

    # -- evaluations ----------------------------------------------------------------------------

    def _evaluations(self) -> None:
        rng = self._rng(3)
        n = self.n_evals
        model = self.ev_model
        copy = self.ev_copy
        fresh = copy < 0
        mtype = self.mtype[model]
        late = self.ev_sub > _day("2024-11-01")
        precision = np.where(rng.random(n) < 0.75, 0, 1)
        precision[late & (rng.random(n) < 0.0015)] = 2
        # A copy re-runs its source: a re-evaluation keeps the precision (new sha), another
        # evaluation of the model takes the other precision (same sha).
        sha = _hex(rng, n)
        sha[rng.random(n) < 0.003] = ""
        spare_sha = _hex(rng, n)
        copies = np.flatnonzero(~fresh)  # a copy's source always arrived before it
        for i in copies:
            j = copy[i]
            if self.ev_new_sha[i]:
                precision[i] = precision[j]
            else:
                precision[i] = 1 - min(precision[j], 1)
                sha[i] = sha[j]
        # An evaluation is unique by model, precision and sha: a repeat gets a fresh sha.
        key = pd.Series(self.model_id[model] + "|" + np.array(_PRECISIONS, dtype=object)[precision] + "|" + sha)
        repeat = key.duplicated().to_numpy()
        sha[repeat] = spare_sha[repeat]
        self.precision = precision
        self.sha = sha

        after_sep = self.ev_sub >= _day("2024-09-01")
        u = rng.random(n)
        weight_type = np.full(n, "Original", dtype=object)
        weight_type[after_sep & (u < 0.016)] = "Adapter"
        weight_type[(self.ev_sub >= _day("2025-01-01")) & (u >= 0.016) & (u < 0.0166)] = "Delta"
        self.weight_type = weight_type
        rate = np.array([_CHAT_TEMPLATE_RATE[c] for c in range(7)])[mtype]
        official = self.official[model]
        rate = np.where(official, (mtype == CHAT).astype(float), rate)
        self.chat_template = rng.random(n) < rate
        merged_rate = np.where(mtype == MERGE, _MERGED_FLAG_RATE[MERGE], 0.045)
        self.merged = rng.random(n) < np.where(official, 0.0, merged_rate)
        params = self.params[model]
        self.co2 = np.where(params > 0, np.maximum(params, 0.5) * rng.lognormal(np.log(0.13), 0.9, n),
                            rng.lognormal(np.log(0.8), 0.8, n))
        self.sub_text = _dates(np.where(rng.random(n) < 0.002, -1, self.ev_sub))

        # Scores: a latent level per evaluation, six correlated benchmarks.
        g = np.log2(1.0 + np.maximum(params, 0.1)) + self.bonus[model] + rng.normal(0.0, 0.6, n)
        norm = _TOP * _sigmoid(_SLOPE * (g[:, None] - _MID)) + rng.normal(0.0, 1.0, (n, 6)) * _NOISE
        norm[:, 0] += np.array([_IFEVAL_TYPE[c] for c in range(7)])[mtype]
        p = np.empty((n, 7))
        p[:, 0] = np.clip(norm[:, 0] / 100 - 0.05, 0.0, 0.9)  # IFEval prompts, then instructions
        p[:, 6] = np.clip(p[:, 0] + 0.1 + rng.normal(0.0, 0.025, n), 0.0, 0.95)
        self.bbh_base = rng.normal(0.293, 0.012, n)
        self.musr_base = rng.normal(0.345, 0.012, n)
        p[:, 1] = np.clip(self.bbh_base + norm[:, 1] / 100 * (1 - self.bbh_base), 0.24, 0.76)
        zero_math = rng.random(n) < 0.04 + 0.3 * _sigmoid(-(g - 1.0) * 2)
        p[:, 2] = np.where(zero_math, 0.0, np.clip(norm[:, 2] / 100, 0.0, 0.6))
        p[:, 3] = np.clip(0.25 + norm[:, 3] / 100 * 0.75, 0.205, 0.48)
        p[:, 4] = np.clip(self.musr_base + norm[:, 4] / 100 * (1 - self.musr_base), 0.29, 0.61)
        p[:, 5] = np.clip(0.1 + norm[:, 5] / 100 * 0.9, 0.1, 0.74)
        # A re-run scores like its source, give or take a little.
        jitter = rng.normal(0.0, 0.004, (n, 7))
        for i in copies:
            p[i] = np.clip(p[copy[i]] + jitter[i], 0.0, 0.95)
            if p[copy[i], 2] == 0:
                p[i, 2] = 0.0
        self.p = p

    def _scores(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(raw 0-1, normalised 0-100) for the given evaluations, from their latent p."""
        p = self.p[rows]
        raw = np.empty((len(rows), 6))
        norm = np.empty((len(rows), 6))
        q = _QUESTIONS
        raw[:, 0] = (np.rint(p[:, 0] * q["ifeval_prompts"]) / q["ifeval_prompts"]
                     + np.rint(p[:, 6] * q["ifeval_instructions"]) / q["ifeval_instructions"]) / 2
        norm[:, 0] = raw[:, 0] * 100
        raw[:, 1] = p[:, 1]
        b = self.bbh_base[rows]
        norm[:, 1] = 100 * _soft_positive((raw[:, 1] - b) / (1 - b))
        raw[:, 2] = np.rint(p[:, 2] * q["math"]) / q["math"]
        norm[:, 2] = raw[:, 2] * 100
        raw[:, 3] = np.rint(p[:, 3] * q["gpqa"]) / q["gpqa"]
        norm[:, 3] = np.maximum(0.0, (raw[:, 3] - 0.25) / 0.75 * 100)
        raw[:, 4] = p[:, 4]
        m = self.musr_base[rows]
        norm[:, 4] = 100 * _soft_positive((raw[:, 4] - m) / (1 - m), 60.0)
        raw[:, 5] = np.rint(p[:, 5] * q["mmlu_pro"]) / q["mmlu_pro"]
        norm[:, 5] = np.maximum(0.0, (raw[:, 5] - 0.1) / 0.9 * 100)
        return raw, norm

    # -- what moves between pulls ---------------------------------------------------------------

    def _dynamics(self) -> None:
        rng = self._rng(4)
        n, f = self.n_models, self.n_files
        # Likes per model and pull.
        h0 = np.where(rng.random(n) < 0.55, 0, np.floor(rng.lognormal(np.log(2.0), 1.4, n))).astype(np.int64)
        famous = self.famous
        h0[famous] = np.floor(rng.lognormal(np.log(150.0), 1.5, famous.sum())).astype(np.int64)
        v1 = (self.model_kind == self.V1) & ~famous
        h0[v1] = np.floor(rng.lognormal(np.log(12.0), 1.5, v1.sum())).astype(np.int64)
        likes = np.zeros((n, f), dtype=np.int64)
        # Availability per model and pull.
        knots = np.array([_day(d) for d, _ in _UNAVAILABLE_AT_ARRIVAL])
        p_off = np.interp(self.model_sub, knots, [r for _, r in _UNAVAILABLE_AT_ARRIVAL])
        a0 = (rng.random(n) >= p_off) | self.official
        available = np.zeros((n, f), dtype=bool)
        h = h0.copy()
        a = a0.copy()
        for k in range(f):
            if k > 0:
                weeks = (self.days[k] - self.days[k - 1]) / 7.0
                up = rng.random(n) < weeks * _sigmoid(_LIKE_UP[0] + _LIKE_UP[1] * np.log1p(h))
                gain = np.maximum(1, np.rint(h * rng.lognormal(np.log(_LIKE_STEP[0]), _LIKE_STEP[1], n)))
                down = ~up & (h > 0) & (rng.random(n) < _LIKE_DOWN * weeks)
                h = h + np.where(up, gain, 0).astype(np.int64) - down
                flip = rng.random(n)
                a = np.where(a, flip >= _HUB_EXIT * weeks, flip < _HUB_RETURN * weeks) | self.official
            arriving = self.model_first == k
            h = np.where(arriving, h0, h)
            a = np.where(arriving, a0, a)
            likes[:, k] = h
            available[:, k] = a
        self.likes = likes
        self.available = available
        # Unavailable repos lose the licence (most) and often the upload date.
        self.blank_upload = rng.random(n) < 0.33
        self.keep_licence = rng.random(n) < 0.02
        # Flagged evaluations: a handful, from _FLAG_DATE on.
        k_flag = self.dates.index(_FLAG_DATE)
        alive = np.flatnonzero((self.ev_first < k_flag) & (self.ev_last >= k_flag))
        n_flag = max(1, round(0.0003 * len(alive)))
        self.flag_from = np.full(self.n_evals, f + 1)
        self.flag_from[rng.choice(alive, size=min(n_flag, len(alive)), replace=False)] = k_flag

    def _restate(self, rng: np.random.Generator, k: int, kind: str, share: float) -> None:
        carried = np.flatnonzero((self.ev_first < k) & (self.ev_last >= k))
        if kind == "math":
            math_count = np.rint(self.p[carried, 2] * _QUESTIONS["math"])
            pick = carried[(math_count > 0) & (rng.random(len(carried)) < share)]
            count = np.rint(self.p[pick, 2] * _QUESTIONS["math"])
            factor = rng.lognormal(np.log(_MATH_FACTOR[0]), _MATH_FACTOR[1], len(pick))
            self.p[pick, 2] = np.maximum(count + 1, np.rint(count * factor)) / _QUESTIONS["math"]
        else:
            pick = carried[rng.random(len(carried)) < share]
            moved = rng.random((len(pick), 7)) < 0.6
            step = rng.normal(0.0, 0.012, (len(pick), 7)) * moved
            fixed = self.p[pick].copy()
            fixed += step
            big = rng.random(len(pick)) < 0.15  # a broken run fixed: MATH jumps
            fixed[big, 2] = np.maximum(fixed[big, 2], rng.uniform(0.05, 0.3, big.sum()))
            self.p[pick] = np.clip(fixed, [0, 0.24, 0, 0.205, 0.29, 0.1, 0], [0.93, 0.76, 0.6, 0.48, 0.61, 0.74, 0.95])
        self._changed = pick

    # -- rendering --------------------------------------------------------------------------------

    def _render(self):
        rng = self._rng(5)
        restatements = {date: (kind, share) for date, kind, share in RESTATEMENTS}
        n = self.n_evals
        model = self.ev_model
        mtype = self.mtype[model]
        fullname = self.model_id[model]
        org = np.array([x.split("/", 1)[0] for x in fullname], dtype=object)
        rest = np.array([x.split("/", 1)[-1] for x in fullname], dtype=object)
        precision = np.array(_PRECISIONS, dtype=object)[self.precision]
        params = self.params[model]
        chat_text = _bool_text(self.chat_template)
        static = {
            "fullname": fullname,
            "precision": precision,
            "sha": self.sha,
            "emoji": V2_TYPE_EMOJI[mtype],
            "type_text": V2_TYPE_STRING[mtype],
            "type_label": V2_TYPE_LABEL[mtype],
            "arch": self.arch[model],
            "weight_type": self.weight_type,
            "params_old": _str(np.floor(params).astype(np.int64)),
            "params_new": _g15(np.round(params, 3)),
            "chat": chat_text,
            "id": fullname + "_" + precision + "_" + self.sha + "_" + np.where(self.chat_template, "True", "False"),
            "not_merged": _bool_text(~self.merged),
            "merged": _bool_text(self.merged),
            "moe_old": _bool_text(~self.is_moe[model]),
            "moe_new": _bool_text(self.is_moe[model]),
            "official": _bool_text(self.official[model]),
            "sub": self.sub_text,
            "generation": _str(self.generation[model]),
            "base_model": self.base_model[model],
            "co2_old": _r2(self.co2),
            "co2_new": _g15(self.co2),
            "url": HUB_URL + fullname,
        }
        # Names, types and bases are the only texts that could hold a comma or a quote.
        for key in ("fullname", "type_text", "arch", "base_model", "url", "id"):
            static[key] = _quote(static[key])
        upload_text = _dates(self.upload[model])
        cache: dict[str, np.ndarray] = {}

        def refresh(rows: np.ndarray) -> None:
            raw, norm = self._scores(rows)
            avg = norm.mean(axis=1)
            if not cache:
                for name in ("avg", "avg15", *[f"{b}_{s}" for b in _BENCH for s in ("r2", "raw2", "v15", "n15")]):
                    cache[name] = np.empty(n, dtype=object)
                cache["avg_value"] = np.empty(n)
            cache["avg_value"][rows] = avg
            cache["avg"][rows] = _r2(avg)
            cache["avg15"][rows] = _g15(avg)
            for j, b in enumerate(_BENCH):
                cache[f"{b}_r2"][rows] = _r2(norm[:, j])
                cache[f"{b}_raw2"][rows] = _r2(raw[:, j])
                cache[f"{b}_v15"][rows] = _g15(raw[:, j])
                cache[f"{b}_n15"][rows] = _g15(norm[:, j])

        refresh(np.arange(n))
        for k, date in enumerate(self.dates):
            if date in restatements:
                self._restate(rng, k, *restatements[date])
                refresh(self._changed)
            rows = np.flatnonzero((self.ev_first <= k) & (self.ev_last >= k))
            yield date, self._frame(k, date, rows, static, cache, upload_text, org, rest)

    def _frame(self, k, date, rows, static, cache, upload_text, org, rest) -> dict[str, np.ndarray]:
        model = self.ev_model[rows]
        s = {key: value[rows] for key, value in static.items()}
        available = self.available[model, k]
        licence = np.where(available | self.keep_licence[model], self.license[model], "")
        upload = np.where(~available & self.blank_upload[model], "", upload_text[rows])
        likes = _str(self.likes[model, k])
        flagged = self.flag_from[rows] <= k
        columns = header_for(date)
        if date < NEW_LAYOUT_FROM:
            values = {
                "t": s["emoji"], "model": s["fullname"], "average": cache["avg"][rows],
                "type": s["type_text"], "architecture": s["arch"], "weight_type": s["weight_type"],
                "precision": s["precision"], "not_merged": s["not_merged"], "hub_license": licence,
                "params_b": s["params_old"], "hub_hearts": likes, "available_on_the_hub": _bool_text(available),
                "model_sha": s["sha"], "flagged": _bool_text(~flagged), "moe": s["moe_old"],
                "submission_date": s["sub"], "upload_to_hub_date": upload, "chat_template": s["chat"],
                "maintainers_highlight": s["official"], "official_providers": s["official"],
                "fullname": s["fullname"], "generation": s["generation"], "base_model": s["base_model"],
                "co_cost_kg": s["co2_old"], "url": s["url"],
            }  # fmt: skip
            for b, old in zip(_BENCH, _OLD_BENCH):
                values[old] = cache[f"{b}_r2"][rows]
                values[f"{old}_raw"] = cache[f"{b}_raw2"][rows]
            # Best average first; ties by id.
            order = np.lexsort((s["precision"].astype(str), s["fullname"].astype(str), -cache["avg_value"][rows]))
        else:
            values = {
                "id": s["id"], "model_name": s["fullname"], "model_sha": s["sha"],
                "model_precision": s["precision"], "model_type": s["type_label"],
                "model_weight_type": s["weight_type"], "model_architecture": s["arch"],
                "model_average_score": cache["avg15"][rows], "model_has_chat_template": s["chat"],
                "features_is_not_available_on_hub": _bool_text(available), "features_is_merged": s["merged"],
                "features_is_moe": s["moe_new"], "features_is_flagged": _bool_text(flagged),
                "features_is_highlighted_by_maintainer": s["official"],
                "features_is_official_provider": s["official"], "metadata_upload_date": upload,
                "metadata_submission_date": s["sub"], "metadata_generation": s["generation"],
                "metadata_base_model": s["base_model"], "metadata_hub_license": licence,
                "metadata_hub_hearts": likes, "metadata_params_billions": s["params_new"],
                "metadata_co2_cost": s["co2_new"],
            }  # fmt: skip
            for b, name in zip(_BENCH, _BENCH_NAME):
                values[f"evaluations_{b}_name"] = np.full(len(rows), name, dtype=object)
                values[f"evaluations_{b}_value"] = cache[f"{b}_v15"][rows]
                values[f"evaluations_{b}_normalized_score"] = cache[f"{b}_n15"][rows]
            # By organisation, then name (code-point order), precision, sha.
            order = np.lexsort((s["sha"].astype(str), s["precision"].astype(str), rest[rows].astype(str),
                                org[rows].astype(str)))
        return {c: np.asarray(values[c], dtype=object)[order] for c in columns}


# ---------------------------------------------------------------------------------------------
# Small helpers


def _pick_table(rng: np.random.Generator, table: Sequence[tuple[str, float]], n: int) -> np.ndarray:
    values = np.array([v for v, _ in table], dtype=object)
    weights = np.array([w for _, w in table], dtype=float)
    return values[rng.choice(len(values), size=n, p=weights / weights.sum())]


def _fresh_stems(rng: np.random.Generator, n: int, syllables: int) -> np.ndarray:
    """n distinct pseudo-words of synthetic/snapshot.py's consonant-vowel syllables."""
    k = len(_SYLLABLES)
    codes = np.empty(0, dtype=np.int64)
    while len(codes) < n:
        draw = rng.integers(0, k**syllables, size=int(n * 1.05) + 16, dtype=np.int64)
        merged = np.concatenate([codes, draw])
        _, first = np.unique(merged, return_index=True)
        codes = merged[np.sort(first)]
    codes = codes[:n]
    words = np.full(n, "", dtype=object)
    for _ in range(syllables):
        words = words + _SYLLABLES[codes % k]
        codes //= k
    return words


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.synthetic.weekly",
        description="Write synthetic weekly Open LLM Leaderboard v2 pulls (huggingface_v2_<date>.csv.gz).",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the real row counts")
    parser.add_argument("--force", action="store_true", help="regenerate even if the marker matches")
    parser.add_argument("--parquet", type=Path, default=None,
                        help="also write every pull as the v2 dataset's parquet into this directory")
    args = parser.parse_args(argv)
    if args.force:
        (args.out / MARKER_NAME).unlink(missing_ok=True)
    out = ensure_generated_weekly(args.out, seed=args.seed, scale=args.scale)
    written = [out / file_name(d) for d in WEEKLY_DATES]
    if args.parquet is not None:
        written += [write_weekly_v2_parquet(path, args.parquet) for path in written]
    print(json.dumps([str(path) for path in written], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
