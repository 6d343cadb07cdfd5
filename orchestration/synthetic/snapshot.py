"""The project's offline default: a synthetic snapshot in the exact format of the paper's scrape.

`generate_snapshot` writes `leaderboard.csv`, `repo_details.csv` and `commit_data.csv` with the
headers, value formats and quirks of the real May 2024 files (see docs/METHOD.md), and
`leaderboard_v1_final.csv`: the same leaderboard rows in the layout of the final v1 table
(`v1_2024-07-07.csv`: comma-separated, TRUE/FALSE, whole numbers without `.0`, an evaluation
`date`), which the warehouse reads with WAREHOUSE_V1_SOURCE=final_table, and the same rows again
as the v1 dataset's own parquet (`leaderboard_v1.parquet`, open-llm-leaderboard-old/contents'
documented schema, written by leaderboard_parquet.py), read with
WAREHOUSE_V1_SOURCE=dataset_parquet. Every
name, score and date is synthetic: organisations, people, models and datasets are built from
syllables; only the family tokens that the figures key on (Llama-2-7b, Mistral-7B, phi-2, …) and
a few Hub conventions (bot accounts, licence ids, the legacy bare ids `gpt2`, `distilgpt2`,
`gpt2-xl`) are kept.

The generative story, so that the marts and the paper's findings show:
  * a fixed catalog of foundation models (the roots) released on their public dates;
  * generic pretrained models standing alone;
  * derived models (fine-tuned, chat, merge, continuously pretrained, unknown), each with a
    parent created before it (a foundation model or another derived model, popular ones more
    often). A child inherits its family's architecture and size and mostly improves on its
    parent's scores;
  * repo cards that declare the parent in every format the Hub used (plain id, list literal,
    `base_model:` tag, …) or not at all, and commit histories by Pareto-distributed authors.

Everything is vectorised (numpy/pandas): scale 1 takes about half a second, scale 30 about 15
seconds, and scale 300 makes Hub-sized inputs. Same seed and scale give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from orchestration.defs.hub_api.leaderboard_parquet import v1_dataset_table, write_parquet_atomic

GENERATOR_VERSION = "3"  # 2: also writes leaderboard_v1_final.csv; 3: and leaderboard_v1.parquet, created_at at the Hub floor
MARKER_NAME = "_generator.json"
# Mart values counted from the generated rows (Snapshot.truth), for the benchmarks to verify.
TRUTH_NAME = "_truth.json"
FILE_NAMES = {
    "leaderboard": "leaderboard.csv",
    "leaderboard_v1_final": "leaderboard_v1_final.csv",
    "repo_details": "repo_details.csv",
    "commit_data": "commit_data.csv",
}
# The v1 dataset's parquet (open-llm-leaderboard-old/contents), the final table's rows.
DATASET_FILE_NAMES = {"leaderboard_v1_dataset": "leaderboard_v1.parquet"}

LEADERBOARD_COLUMNS = (
    "Type", "ModelHub", "Average \u2b06\ufe0f", "ARC", "HellaSwag", "MMLU", "TruthfulQA",
    "Winogrande", "GSM8K", "TypeString", "Architecture", "Weight type", "Precision", "Merged",
    "Hub License", "#Params (B)", "Hub \u2764\ufe0f", "Available on the hub", "Model sha",
    "Flagged", "MoE", "model_name_for_query",
)  # fmt: skip
# The final v1 table (open-llm-leaderboard/v1_2024-07-07.csv).
FINAL_TABLE_COLUMNS = (
    "t", "model", "average", "arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k",
    "type", "architecture", "weight_type", "precision", "merged", "hub_license", "params_b",
    "hub_hearts", "available_on_the_hub", "model_sha", "flagged", "moe", "date", "fullname", "url",
)  # fmt: skip
REPO_DETAILS_COLUMNS = (
    "name", "author", "created_at", "last_modified", "downloads", "library_name", "tags",
    "language", "datasets", "base_model",
)  # fmt: skip
COMMIT_DATA_COLUMNS = (
    "name", "num_of_authors", "num_of_commits", "first_commit", "last_commit", "authors",
)  # fmt: skip

# Distinct leaderboard ids in the paper's scrape: scale 1.0 reproduces the real sizes.
REAL_MODEL_COUNT = 6281

HUB_URL = "https://huggingface.co/"
BENCHMARKS = ("ARC", "HellaSwag", "MMLU", "TruthfulQA", "Winogrande", "GSM8K")


def _epoch(text: str) -> int:
    return int(np.datetime64(text, "s").astype(np.int64))


DAY = 86_400
# The lowest created_at the Hub API gives (huggingface_hub's ModelInfo: "the lowest value is
# 2022-03-02T23:29:04.000Z, corresponding to the date when we began to store creation dates").
HUB_CREATED_AT_FLOOR = _epoch("2022-03-02T23:29:04")
HISTORY_START = _epoch("2022-03-01T00:00:00")
LEADERBOARD_END = _epoch("2024-05-19T12:00:00")  # newest model the 2024-05-20 scrape evaluated
REPO_CUTOFF = _epoch("2024-04-15T18:00:00")  # repo details stop in mid-April …
REPO_SCRAPE = _epoch("2024-04-17T09:00:00")  # … and were fetched two days later
COMMIT_SCRAPE = _epoch("2024-05-19T21:00:00")  # commit histories run up to the leaderboard
# The final v1 table: evaluation dates from the leaderboard's start to its last evaluation.
EVALUATIONS_START = _epoch("2023-07-19T00:00:00")
EVALUATIONS_END = _epoch("2024-06-15T12:00:00")

# Relative number of new leaderboard models per month (uniform within a month; the last month
# is cut at LEADERBOARD_END): a trickle in 2022, growth through 2023, a boom from December 2023.
_MONTHLY_WEIGHTS = (
    ("2022-03", 38), ("2022-04", 6), ("2022-05", 17), ("2022-06", 3), ("2022-07", 2), ("2022-08", 3),
    ("2022-09", 14), ("2022-10", 6), ("2022-11", 6), ("2022-12", 11), ("2023-01", 12), ("2023-02", 38),
    ("2023-03", 60), ("2023-04", 125), ("2023-05", 155), ("2023-06", 135), ("2023-07", 230),
    ("2023-08", 375), ("2023-09", 410), ("2023-10", 240), ("2023-11", 255), ("2023-12", 600),
    ("2024-01", 1120), ("2024-02", 850), ("2024-03", 910), ("2024-04", 620), ("2024-05", 600),
)  # fmt: skip

# Model types: the leaderboard's emoji, its TypeString, and the generator's code for each.
PRETRAINED, CONTINUED, FINE_TUNED, CHAT, MERGE, UNKNOWN = range(6)
TYPE_EMOJI = np.array(["🟢", "🟩", "🔶", "💬", "🤝", "?"], dtype=object)
TYPE_STRING = np.array(
    [
        "🟢 pretrained",
        "🟩 continuously pretrained",
        "🔶 fine-tuned on domain-specific datasets",
        "💬 chat models (RLHF, DPO, IFT, ...)",
        "🤝 base merges and moerges",
        "",  # the real scrape leaves TypeString empty for `?`
    ],
    dtype=object,
)
# Share of each derived type among derived models (the whole leaderboard: ~58% fine-tuned,
# 20% chat, 13% merge, 6% pretrained, 1% continuously pretrained, 2% unknown).
_DERIVED_TYPE_SHARE = {FINE_TUNED: 0.583, CHAT: 0.200, MERGE: 0.135, CONTINUED: 0.008, UNKNOWN: 0.018}
# Share of each derived type whose parent is a foundation model rather than another derived
# model: merges are mostly merges of fine-tunes, so they sit deeper in the tree.
_ROOT_PARENT_SHARE = {FINE_TUNED: 0.55, CHAT: 0.50, MERGE: 0.10, CONTINUED: 0.95, UNKNOWN: 0.55}
# Score change of a child relative to its parent, as a share of the headroom: (mean, sd).
_GAIN = {
    FINE_TUNED: (0.12, 0.15),
    CHAT: (0.14, 0.13),
    MERGE: (0.14, 0.07),
    CONTINUED: (0.03, 0.08),
    UNKNOWN: (0.05, 0.14),
}
_BROKEN_SHARE = 0.10  # fine-tunes that came out worse than their base
# Mean look-back when a derived model picks a derived parent: people build on what is new.
_PARENT_WINDOW_DAYS = 45

# Benchmarks: floor (random guessing), ceiling, how much tuning moves each, per-model noise.
_SCORE_LO = np.array([19.5, 24.5, 22.0, 25.0, 47.0, 0.0])
_SCORE_HI = np.array([88.0, 92.0, 90.0, 82.5, 92.0, 88.5])
_TUNING_WEIGHT = np.array([0.6, 0.5, 0.3, 1.2, 0.5, 1.0])  # TruthfulQA and GSM8K move most
_TUNING_NOISE = np.array([0.8, 0.6, 0.8, 1.2, 0.8, 2.0])

# ---------------------------------------------------------------------------------------------
# The foundation catalog. Family tokens are real so that the figures' family seed matches;
# organisations are synthetic labs; names with {W} get a synthetic series word.


@dataclass(frozen=True)
class _Root:
    lab: int  # index of the synthetic lab; -1 = legacy bare id
    name: str
    token: str  # family token that derived models put in their names
    size: str  # size token for derived names
    arch: str
    params: int  # whole billions, truncated, as the leaderboard prints them
    release: str
    model_type: int
    capability: float  # 0 = random guessing, 1 = the best open model of May 2024
    popularity: float  # relative weight as a parent of derived models
    license: str
    tag: str  # the Hub's model-type tag
    alt_params: tuple[int, float] = (0, 0.0)  # another size derived models print, and how often


_L, _M, _X = "LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM"
_P, _C = PRETRAINED, CHAT
_CATALOG = (
    _Root(0, "llama-7b", "llama-7b", "7b", _L, 7, "2023-02-24", _P, 0.40, 1.5, "other", "llama", (6, 0.35)),
    _Root(0, "llama-13b", "llama-13b", "13b", _L, 13, "2023-02-24", _P, 0.50, 1.0, "other", "llama"),
    _Root(0, "llama-30b", "llama-30b", "30b", _L, 30, "2023-02-24", _P, 0.60, 1.0, "other", "llama"),
    _Root(0, "llama-65b", "llama-65b", "65b", _L, 65, "2023-02-24", _P, 0.68, 0.5, "other", "llama"),
    _Root(0, "Llama-2-7b", "Llama-2-7b", "7b", _L, 7, "2023-07-18", _P, 0.45, 8.0, "llama2", "llama", (6, 0.35)),
    _Root(0, "Llama-2-13b", "Llama-2-13b", "13b", _L, 13, "2023-07-18", _P, 0.55, 7.0, "llama2", "llama"),
    _Root(0, "Llama-2-70b", "Llama-2-70b", "70b", _L, 70, "2023-07-18", _P, 0.75, 1.2, "llama2", "llama", (68, 0.45)),
    _Root(0, "Llama-2-7b-chat", "Llama-2-7b-chat", "7b", _L, 7, "2023-07-18", _C, 0.45, 2.0, "llama2", "llama", (6, 0.35)),
    _Root(0, "Llama-2-13b-chat", "Llama-2-13b-chat", "13b", _L, 13, "2023-07-18", _C, 0.54, 1.5, "llama2", "llama"),
    _Root(0, "Meta-Llama-3-8B", "Llama-3-8B", "8B", _L, 8, "2024-04-18", _P, 0.64, 2.0, "llama3", "llama"),
    _Root(0, "Meta-Llama-3-8B-Instruct", "Llama-3-8B-Instruct", "8B", _L, 8, "2024-04-18", _C, 0.64, 3.0, "llama3", "llama"),
    _Root(0, "Meta-Llama-3-70B", "Llama-3-70B", "70B", _L, 70, "2024-04-18", _P, 0.88, 0.3, "llama3", "llama", (68, 0.3)),
    _Root(1, "Mistral-7B-v0.1", "Mistral-7B", "7B", _M, 7, "2023-09-20", _P, 0.58, 30.0, "apache-2.0", "mistral"),
    _Root(1, "Mistral-7B-Instruct-v0.1", "Mistral-7B-Instruct", "7B", _M, 7, "2023-09-27", _C, 0.52, 3.0, "apache-2.0", "mistral"),
    _Root(1, "Mistral-7B-Instruct-v0.2", "Mistral-7B-Instruct-v0.2", "7B", _M, 7, "2023-12-11", _C, 0.58, 6.0, "apache-2.0", "mistral"),
    _Root(1, "Mixtral-8x7B-v0.1", "Mixtral-8x7B", "8x7B", _X, 46, "2023-12-11", _P, 0.74, 2.2, "apache-2.0", "mixtral"),
    _Root(1, "Mixtral-8x7B-Instruct-v0.1", "Mixtral-8x7B-Instruct", "8x7B", _X, 46, "2023-12-11", _C, 0.74, 1.8, "apache-2.0", "mixtral"),
    _Root(1, "Mixtral-8x22B-v0.1", "Mixtral-8x22B", "8x22B", _X, 140, "2024-04-10", _P, 0.86, 0.5, "apache-2.0", "mixtral"),
    _Root(2, "phi-1_5", "phi-1_5", "1.3B", "PhiForCausalLM", 1, "2023-10-17", _P, 0.25, 0.5, "mit", "phi"),
    _Root(2, "phi-2", "phi-2", "2.7B", "PhiForCausalLM", 2, "2024-01-11", _P, 0.48, 2.0, "mit", "phi"),
    _Root(2, "Phi-3-mini-4k-instruct", "Phi-3-mini", "3.8B", "Phi3ForCausalLM", 3, "2024-04-22", _C, 0.60, 0.3, "mit", "phi3"),
    _Root(3, "gemma-2b", "gemma-2b", "2b", "GemmaForCausalLM", 2, "2024-02-08", _P, 0.35, 1.6, "gemma", "gemma"),
    _Root(3, "gemma-7b", "gemma-7b", "7b", "GemmaForCausalLM", 8, "2024-02-08", _P, 0.58, 1.8, "gemma", "gemma"),
    _Root(3, "gemma-7b-it", "gemma-7b-it", "7b", "GemmaForCausalLM", 8, "2024-02-08", _C, 0.48, 0.6, "gemma", "gemma"),
    _Root(4, "Qwen1.5-0.5B", "Qwen1.5-0.5B", "0.5B", "Qwen2ForCausalLM", 0, "2024-02-05", _P, 0.15, 0.8, "other", "qwen2"),
    _Root(4, "Qwen1.5-7B", "Qwen1.5-7B", "7B", "Qwen2ForCausalLM", 7, "2024-02-05", _P, 0.55, 1.2, "other", "qwen2"),
    _Root(4, "Qwen1.5-14B", "Qwen1.5-14B", "14B", "Qwen2ForCausalLM", 14, "2024-02-05", _P, 0.64, 0.8, "other", "qwen2"),
    _Root(4, "Qwen1.5-72B", "Qwen1.5-72B", "72B", "Qwen2ForCausalLM", 72, "2024-02-05", _P, 0.85, 0.3, "other", "qwen2"),
    _Root(5, "TinyLlama-1.1B", "TinyLlama-1.1B", "1.1B", _L, 1, "2023-12-30", _P, 0.14, 2.5, "apache-2.0", "llama"),
    _Root(6, "falcon-7b", "falcon-7b", "7b", "FalconForCausalLM", 7, "2023-04-24", _P, 0.33, 0.4, "apache-2.0", "falcon"),
    _Root(6, "falcon-40b", "falcon-40b", "40b", "FalconForCausalLM", 41, "2023-05-24", _P, 0.55, 0.15, "apache-2.0", "falcon"),
    _Root(7, "{W}-1.4b", "{W}", "1.4b", "GPTNeoXForCausalLM", 1, "2023-02-13", _P, 0.16, 0.15, "apache-2.0", "gpt_neox"),
    _Root(7, "{W}-2.8b", "{W}", "2.8b", "GPTNeoXForCausalLM", 2, "2023-02-13", _P, 0.19, 0.15, "apache-2.0", "gpt_neox"),
    _Root(7, "{W}-6.9b", "{W}", "6.9b", "GPTNeoXForCausalLM", 6, "2023-02-13", _P, 0.23, 0.15, "apache-2.0", "gpt_neox"),
    _Root(7, "{W}-12b", "{W}", "12b", "GPTNeoXForCausalLM", 12, "2023-02-13", _P, 0.26, 0.15, "apache-2.0", "gpt_neox"),
    _Root(8, "{W}-1.3b", "{W}", "1.3b", "OPTForCausalLM", 1, "2022-05-11", _P, 0.14, 0.1, "other", "opt"),
    _Root(8, "{W}-6.7b", "{W}", "6.7b", "OPTForCausalLM", 6, "2022-05-11", _P, 0.20, 0.1, "other", "opt"),
    _Root(8, "{W}-13b", "{W}", "13b", "OPTForCausalLM", 13, "2022-05-11", _P, 0.23, 0.1, "other", "opt"),
    _Root(8, "{W}-30b", "{W}", "30b", "OPTForCausalLM", 30, "2022-05-11", _P, 0.26, 0.1, "other", "opt"),
    _Root(9, "{W}-34B", "{W}", "34B", _L, 34, "2023-11-02", _P, 0.72, 2.5, "other", "llama"),
    _Root(10, "{W}-10.7B-v1.0", "{W}-10.7B", "10.7B", _L, 10, "2023-12-12", _P, 0.66, 2.5, "apache-2.0", "llama"),
    _Root(11, "{W}-7b1", "{W}", "7b1", "BloomForCausalLM", 7, "2022-05-19", _P, 0.19, 0.35, "bigscience-bloom-rail-1.0", "bloom"),
    _Root(12, "{W}-6B", "{W}", "6B", "GPTJForCausalLM", 6, "2022-03-02", _P, 0.23, 0.45, "apache-2.0", "gptj"),
    _Root(-1, "gpt2", "gpt2", "124M", "GPT2LMHeadModel", 0, "2022-03-02", _P, 0.02, 2.0, "mit", "gpt2"),
    _Root(-1, "distilgpt2", "distilgpt2", "82M", "GPT2LMHeadModel", 0, "2022-03-02", _P, 0.00, 1.0, "apache-2.0", "gpt2"),
    _Root(-1, "gpt2-xl", "gpt2-xl", "1.5B", "GPT2LMHeadModel", 1, "2022-03-02", _P, 0.05, 0.3, "mit", "gpt2"),
)  # fmt: skip
_N_LABS = max(root.lab for root in _CATALOG) + 1

# Standalone pretrained models: architecture, weight, displayed sizes, Hub tag.
_STANDALONE_ARCHS = (
    (_L, 0.30, (1, 3, 7, 13, 34, 70), "llama"), (_M, 0.10, (7,), "mistral"),
    ("GPT2LMHeadModel", 0.12, (0, 0, 0, 1), "gpt2"), ("GPTNeoXForCausalLM", 0.07, (0, 1, 3, 7, 20), "gpt_neox"),
    ("OPTForCausalLM", 0.03, (0, 1, 6), "opt"), ("BloomForCausalLM", 0.04, (0, 1, 3, 7), "bloom"),
    ("GPTJForCausalLM", 0.03, (6,), "gptj"), ("FalconForCausalLM", 0.03, (1, 7, 179), "falcon"),
    ("Qwen2ForCausalLM", 0.04, (0, 1, 3, 7, 14, 32), "qwen2"), ("StableLmForCausalLM", 0.03, (1, 2, 12), "stablelm"),
    ("MPTForCausalLM", 0.02, (7, 30), "mpt"), ("XGLMForCausalLM", 0.02, (0, 1, 7), "xglm"),
    ("RwkvForCausalLM", 0.02, (1, 3, 7, 14), "rwkv"), ("CohereForCausalLM", 0.02, (34,), "cohere"),
    ("GPTBigCodeForCausalLM", 0.02, (1, 15), "gpt_bigcode"), ("GPTNeoForCausalLM", 0.02, (0, 1, 2), "gpt_neo"),
    ("Starcoder2ForCausalLM", 0.01, (3, 7, 15), "starcoder2"), ("OLMoForCausalLM", 0.01, (1, 6), "olmo"),
    ("CodeGenForCausalLM", 0.01, (6, 16), "codegen"), ("DeciLMForCausalLM", 0.01, (7,), "deci"),
    ("GemmaForCausalLM", 0.02, (2, 8), "gemma"), ("PhiForCausalLM", 0.02, (1, 2), "phi"),
    ("InternLMForCausalLM", 0.005, (20,), "internlm"), ("Qwen2MoeForCausalLM", 0.005, (14,), "qwen2_moe"),
)  # fmt: skip
# Raw architecture strings that no config maps cleanly (they land in `Other` or `Unknown`).
_ODD_ARCHS = np.array(
    ["LlamaModel", "LLaMAForCausalLM", "MistralModel", "LlamaForSequenceClassification"], dtype=object
)

_LICENSES = (
    ("apache-2.0", 0.40), ("other", 0.11), ("cc-by-nc-4.0", 0.09), ("mit", 0.07), ("?", 0.064),
    ("", 0.041), ("None", 0.031), ("cc-by-4.0", 0.012), ("cc-by-nc-sa-4.0", 0.009),
    ("cc-by-nc-nd-4.0", 0.006), ("cc-by-sa-4.0", 0.006), ("gpl", 0.004), ("openrail", 0.003),
    ("unknown", 0.003), ("gpl-3.0", 0.003), ("cc", 0.002), ("agpl-3.0", 0.002), ("wtfpl", 0.001),
    ("['mit']", 0.0012), ("['apache-2.0']", 0.0006), ("bsd-3-clause", 0.0005), ("cc0-1.0", 0.0005),
)  # fmt: skip
_PRECISIONS = (("float16", 0.582), ("bfloat16", 0.400), ("4bit", 0.0125), ("8bit", 0.0038), ("GPTQ", 0.0023))
_LANGUAGES = (
    ("", 0.53), ("['en']", 0.335), ("['en', 'zh']", 0.011), ("['zh', 'en']", 0.011),
    ("en", 0.01), ("['ko']", 0.009), ("['en', 'fr', 'de', 'es', 'it']", 0.008), ("['pl']", 0.005),
    ("['code']", 0.004), ("['ja', 'en']", 0.004), ("['en', 'ko']", 0.003), ("['en', 'de']", 0.003),
    ("['zh']", 0.003), ("['de']", 0.002), ("['fr', 'en']", 0.002),
)  # fmt: skip
_LIBRARIES = (
    ("transformers", 0.950), ("", 0.022), ("peft", 0.018), ("adapter-transformers", 0.003),
    ("Transformers", 0.001), ("pytorch", 0.0005), ("trl", 0.0005), ("mlx", 0.0005),
)  # fmt: skip

# Bot accounts as the Hub names them; the warehouse drops `system`, `leaderboard-pr-bot` and any
# name ending in `bot`. Rates are per repo.
_BOTS = (("SFconvertbot", 0.043), ("librarian-bot", 0.008), ("leaderboard-pr-bot", 0.004), ("system", 0.003))

_SYLLABLES = np.array(
    [c + v for c in "bdfghjklmnprstvz" for v in "aeiou"], dtype=object
)  # consonant + vowel only, so no stem contains `ll`, `ph` or ends in `bot`
_FT_SUFFIXES = np.array(
    ["sft", "v0.1", "v0.2", "v1", "v2", "lora", "qlora", "instruct", "finetune", "math", "code",
     "orca", "alpaca", "platypus", "medical", "roleplay", "ko", "ja", "de", "it", "base", "ep3", "test"],
    dtype=object,
)  # fmt: skip
_CHAT_SUFFIXES = np.array(
    ["chat", "DPO", "dpo", "it", "Instruct", "rlhf", "ORPO", "sft-dpo", "laser-dpo", "chat-v1",
     "Chat-v0.2", "kto"],
    dtype=object,
)  # fmt: skip
_MERGE_SUFFIXES = np.array(
    ["slerp", "SLERP", "ties", "dare-ties", "merge", "Merged", "passthrough", "linear", "model_stock"],
    dtype=object,
)  # fmt: skip
_CONTINUED_SUFFIXES = np.array(["cpt", "continued", "pretrain", "base", "ext"], dtype=object)
_VERSIONS = np.array(["v0.1", "v0.2", "v1", "v1.5", "v2", "v3", "0.1", "1.0"], dtype=object)
_DATASET_KINDS = np.array(
    ["instruct", "dpo-pairs", "math", "chat", "sft", "preferences", "code", "qa", "orca",
     "conversations", "alpaca", "roleplay", "v2", "binarized", "pairs"],
    dtype=object,
)  # fmt: skip

# How a repo card states its base model. The single-base kinds make a model count in the
# improvement marts; the others exercise the parser and the "exactly one base" rule.
(
    DECL_NONE, DECL_PLAIN, DECL_LIST_ONE, DECL_TAG, DECL_PLAIN_AND_TAG, DECL_LIST_TWO,
    DECL_TAGS_TWO, DECL_UNKNOWN, DECL_EMPTY_LIST, DECL_OFF_LEADERBOARD, DECL_FINETUNE_TAG,
) = range(11)  # fmt: skip
_SINGLE_BASE_DECLS = (DECL_PLAIN, DECL_LIST_ONE, DECL_TAG, DECL_PLAIN_AND_TAG, DECL_FINETUNE_TAG)
_DECL_SHARE = {
    "tuned": (0.61, 0.07, 0.02, 0.05, 0.035, 0.04, 0.015, 0.055, 0.01, 0.04, 0.015),
    "merge": (0.36, 0.03, 0.01, 0.03, 0.03, 0.27, 0.16, 0.05, 0.02, 0.03, 0.01),
    "pretrained": (0.93, 0, 0, 0, 0, 0, 0, 0.07, 0, 0, 0),
}
# The first few single-base chat and fine-tuned models list the most popular datasets, so the
# per-dataset mart has datasets with >= 4 models of both types even at small scales.
_MIN_SINGLE_BASE = 10  # per type
_FORCED_DATASETS = 2
_FORCED_PER_TYPE = 5


# ---------------------------------------------------------------------------------------------
# Public API


def generate_snapshot(out_dir: Path, *, seed: int = 42, scale: float = 1.0) -> dict[str, Path]:
    """Write leaderboard.csv, leaderboard_v1_final.csv, repo_details.csv and commit_data.csv into
    out_dir, and the final table's rows as the v1 dataset's parquet (leaderboard_v1.parquet);
    return their paths.

    Each file is written to a temporary name and renamed into place, so readers never see half
    a file. Same seed and scale give byte-identical files.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # The files are about to change: a marker from an earlier run would no longer vouch for them.
    (out_dir / MARKER_NAME).unlink(missing_ok=True)
    paths = {key: out_dir / name for key, name in {**FILE_NAMES, **DATASET_FILE_NAMES}.items()}
    snapshot = _Snapshot(seed=seed, scale=scale)
    for key, frame in snapshot.frames():
        _write_atomic(paths[key], lambda handle: _write_csv(frame, handle, **_CSV_DIALECT[key]))
        if key == "leaderboard_v1_final":
            write_parquet_atomic(v1_dataset_table(_csv_text(frame)), paths["leaderboard_v1_dataset"])
        del frame
    truth = (json.dumps(snapshot.truth(), indent=2, sort_keys=True) + "\n").encode()
    _write_atomic(out_dir / TRUTH_NAME, lambda handle: handle.write(truth))
    return paths


def ensure_generated_snapshot(out_dir: Path, *, seed: int = 42, scale: float = 1.0) -> Path:
    """Generate into out_dir unless its marker (`_generator.json`) says these exact files are
    already there."""
    return ensure_generated(
        Path(out_dir), MARKER_NAME,
        {"generator_version": GENERATOR_VERSION, "seed": int(seed), "scale": float(scale)},
        [*FILE_NAMES.values(), *DATASET_FILE_NAMES.values(), TRUTH_NAME],
        lambda: [*generate_snapshot(out_dir, seed=seed, scale=scale).values(), Path(out_dir) / TRUTH_NAME],
    )


def ensure_generated(
    out_dir: Path, marker_name: str, wanted: dict, file_names: Iterable[str], generate: Callable[[], list[Path]]
) -> Path:
    """Run `generate` unless out_dir's marker records `wanted` (generator version, seed, scale)
    and the size of each of `file_names` as they are on disk.

    The marker is removed before regenerating (by the generators) and written last, so a crash
    never leaves a marker that vouches for half-written or stale files.
    """
    marker = out_dir / marker_name
    if _marker_matches(out_dir, marker, wanted, list(file_names)):
        return out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = generate()
    record = {**wanted, "files": {p.relative_to(out_dir).as_posix(): p.stat().st_size for p in paths}}
    payload = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
    _write_atomic(marker, lambda handle: handle.write(payload))
    return out_dir


def _marker_matches(out_dir: Path, marker: Path, wanted: dict, file_names: list[str]) -> bool:
    try:
        record = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or {k: record.get(k) for k in wanted} != wanted:
        return False
    files = record.get("files") or {}
    for name in file_names:
        path = out_dir / name
        if not path.is_file() or files.get(name) != path.stat().st_size:
            return False
    return True


def _write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file in the same directory, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _csv_text(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """A frame's columns as its CSV holds them: text, a missing value (None) read as empty."""
    return {name: frame[name] for name in frame.columns}


# The real files' dialects: the leaderboard is `;`-separated with CRLF line ends and no index;
# the Hub files are comma CSVs with a leading unnamed index column.
_CSV_DIALECT = {
    "leaderboard": {"sep": ";", "eol": "\r\n", "index": False},
    # The final v1 table was written by R: LF, empty strings quoted (`""`), missing values bare.
    "leaderboard_v1_final": {"sep": ",", "eol": "\n", "index": False, "quote_empty": True},
    "repo_details": {"sep": ",", "eol": "\n", "index": True},
    "commit_data": {"sep": ",", "eol": "\n", "index": True},
}


def _write_csv(
    frame: pd.DataFrame, handle: BinaryIO, *, sep: str, eol: str, index: bool, quote_empty: bool = False
) -> None:
    if quote_empty:
        _write_csv_quoting_empty(frame, handle, sep=sep, eol=eol)
        return
    # Minimal quoting, as the real files: only fields holding the separator are quoted.
    frame.to_csv(handle, sep=sep, lineterminator=eol, index=index, encoding="utf-8")


def _write_csv_quoting_empty(
    frame: pd.DataFrame, handle: BinaryIO, *, sep: str, eol: str, header: bool = True
) -> None:
    """As R writes a CSV: a field is quoted when it holds the separator or a quote, or is an
    empty string; a missing value (None) is an empty, unquoted field. Without `header`, only
    the rows (to append a chunk)."""
    fields = []
    for name in frame.columns:
        values = frame[name]
        missing = values.isna()
        text = values.fillna("").astype(str)
        quote = (text == "") | text.str.contains(f"[{re.escape(sep)}\"\n]", regex=True)
        quoted = '"' + text.str.replace('"', '""', regex=False) + '"'
        fields.append(text.where(~quote, quoted).where(~missing, ""))
    if header:
        handle.write((sep.join(frame.columns) + eol).encode("utf-8"))
    if len(frame):
        handle.write("".join(join_fields(fields, sep) + eol).encode("utf-8"))


def join_fields(fields: Sequence[pd.Series], sep: str) -> np.ndarray:
    """Row-wise `sep.join` of equally long text columns, as an object array (column by column:
    pandas' row-wise apply is a hundred times slower)."""
    out = np.asarray(fields[0], dtype=object)
    for values in fields[1:]:
        out = out + sep + np.asarray(values, dtype=object)
    return out


# ---------------------------------------------------------------------------------------------
# Formatting helpers (all vectorised)

_FRACTIONS = np.array([f"{k:02d}".rstrip("0") or "0" for k in range(100)], dtype=object)
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UTC_SUFFIX = np.frombuffer(b"+00:00", dtype=np.uint8)


def _str(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype(str).astype(object)


def _hundredths(cents: np.ndarray) -> np.ndarray:
    """Integer hundredths as Python prints round(x, 2): 8131 -> '81.31', 7200 -> '72.0'."""
    cents = np.asarray(cents, dtype=np.int64)
    return _str(cents // 100) + "." + _FRACTIONS[cents % 100]


def _timestamps(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds as '2024-03-22 14:08:40+00:00'."""
    iso = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("S19")
    raw = np.frombuffer(iso.tobytes(), dtype=np.uint8).reshape(-1, 19)
    out = np.empty((len(raw), 25), dtype=np.uint8)
    out[:, :19] = raw
    out[:, 10] = ord(" ")
    out[:, 19:] = _UTC_SUFFIX
    return out.view("S25").ravel().astype(str).astype(object)


def _hex(rng: np.random.Generator, n: int, digits: int = 40) -> np.ndarray:
    nibbles = rng.integers(0, 16, size=(n, digits), dtype=np.uint8)
    return np.ascontiguousarray(_HEX_DIGITS[nibbles]).view(f"S{digits}").ravel().astype(str).astype(object)


def _list_literal(slots: Sequence[np.ndarray], present: Sequence[np.ndarray], *, empty: str) -> np.ndarray:
    """Python-style list literals "['a', 'b']" from per-slot string arrays and masks; rows
    with no item get `empty`."""
    out = np.full(len(present[0]), empty, dtype=object)
    started = np.zeros(len(present[0]), dtype=bool)
    for values, mask in zip(slots, present):
        first = np.flatnonzero(mask & ~started)
        more = np.flatnonzero(mask & started)
        out[first] = "['" + values[first] + "'"
        out[more] = out[more] + ", '" + values[more] + "'"
        started |= mask
    started = np.flatnonzero(started)
    out[started] = out[started] + "]"
    return out


def _lower(values: np.ndarray) -> np.ndarray:
    return np.char.lower(values.astype(str)).astype(object)


def _recase(ids: np.ndarray) -> np.ndarray:
    """The same ids in another letter case: lower-cased, or (if already lower) swapped."""
    lowered = _lower(ids)
    return np.where(lowered != ids, lowered, np.char.swapcase(ids.astype(str)).astype(object))


def _frame(columns: dict[str, np.ndarray], names: Sequence[str], order: np.ndarray | None = None) -> pd.DataFrame:
    """The real file's columns in its order, as object dtype (pandas writes those faster than
    Arrow strings), rows in `order`."""
    rows = slice(None) if order is None else order
    return pd.DataFrame({name: np.asarray(columns[name], dtype=object)[rows] for name in names}, dtype=object)


def _pick(rng: np.random.Generator, table: Sequence[tuple[str, float]], n: int) -> np.ndarray:
    values = np.array([v for v, _ in table], dtype=object)
    weights = np.array([w for _, w in table], dtype=float)
    return values[rng.choice(len(values), size=n, p=weights / weights.sum())]


def _capitalize(words: np.ndarray) -> np.ndarray:
    return np.char.capitalize(words.astype(str)).astype(object)


def _pareto_weights(rng: np.random.Generator, n: int, alpha: float) -> np.ndarray:
    w = rng.pareto(alpha, n) + 1.0
    return w / w.sum()


# ---------------------------------------------------------------------------------------------
# Time


class _Calendar:
    """The density of model creation over time, sampled by inverse CDF."""

    def __init__(self) -> None:
        starts = [_epoch(f"{month}-01T00:00:00") for month, _ in _MONTHLY_WEIGHTS]
        self.knots = np.array([*starts, LEADERBOARD_END], dtype=float)
        weights = np.array([w for _, w in _MONTHLY_WEIGHTS], dtype=float)
        # The last month is partial: scale its weight by the days it covers.
        weights[-1] *= (self.knots[-1] - self.knots[-2]) / (31 * DAY)
        self.cdf = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n creation times (epoch seconds) drawn from the density."""
        return np.interp(rng.random(n), self.cdf, self.knots).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Scores


def _scores_from_capability(rng: np.random.Generator, capability: np.ndarray) -> np.ndarray:
    """Six benchmark scores of a pretrained model of the given capability (0..1)."""
    c = np.clip(capability, 0.0, 1.0)[:, None]
    base = np.hstack(
        [
            21 + 60 * c**0.85,  # ARC
            25 + 65 * (1 - np.exp(-4 * c)) / (1 - np.exp(-4.0)),  # HellaSwag saturates early
            24 + 62 * c**1.2,  # MMLU
            36 + 12 * c,  # TruthfulQA: pretraining barely moves it
            50 + 36 * c**0.7,  # Winogrande
            85 * c**1.9,  # GSM8K only comes with scale
        ]
    )
    noise = rng.normal(0.0, [1.5, 1.5, 1.5, 1.5, 1.5, 2.0], size=base.shape)
    return np.clip(base + noise, _SCORE_LO, _SCORE_HI)


def _tuned_scores(parent: np.ndarray, gain: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Scores of a child: the parent's, moved by `gain` times each benchmark's headroom."""
    step = gain[:, None] * _TUNING_WEIGHT
    delta = np.where(step >= 0, (_SCORE_HI - parent) * step, (parent - _SCORE_LO) * step)
    return np.clip(parent + delta + noise, _SCORE_LO, _SCORE_HI)


def _cents(scores: np.ndarray) -> np.ndarray:
    return np.rint(scores * 100).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# The snapshot


class _Snapshot:
    """Builds the model universe once, then renders the three raw files from it."""

    def __init__(self, *, seed: int, scale: float) -> None:
        self.seed = int(seed)
        self.scale = float(scale)
        self.calendar = _Calendar()
        n_roots = len(_CATALOG)
        # Never fewer models than it takes to populate every mart.
        self.n_models = max(round(REAL_MODEL_COUNT * self.scale), 6 * n_roots)
        self.n_standalone = max(round(0.05 * self.n_models) - 3 * n_roots // 4, 0)
        self.n_orgs = max(round(self.n_models / 5.0), 20)
        self.n_extra_humans = max(round(0.8 * self.n_orgs), 10)
        self.n_datasets = max(round(0.16 * self.n_models), 30)
        self.n_off_leaderboard = max(round(0.019 * self.n_models), 3)

    def _rng(self, stream: int) -> np.random.Generator:
        # One independent stream per component, so tuning one part leaves the others unchanged.
        return np.random.default_rng([self.seed, stream])

    def frames(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """The tables, one at a time (so at Hub scale at most the two leaderboards are ever in
        memory); the leaderboard comes first because repo_details follows its order, and the
        final v1 table is drawn from its rows."""
        self._build_names()
        self._build_models()
        self._build_cards()
        board = self._leaderboard()
        yield "leaderboard", board
        yield "leaderboard_v1_final", self._final_table(board)
        del board
        yield "repo_details", self._repo_details()
        yield "commit_data", self._commit_data()

    def truth(self) -> dict[str, int]:
        """Mart values as the generator made them (after `frames()` ran): dim_models has one row
        per non-flagged model (ids compared lower-cased), repos_per_author one per human author."""
        return {
            "leaderboard_models": int(self.n_models),
            "dim_models_rows": len(np.unique(_lower(self.model_ids[~self.flagged]))),
            "human_commit_authors": int(self.human_commit_authors),
        }

    # -- names ----------------------------------------------------------------------------------

    def _stems(self, n: int) -> np.ndarray:
        """n distinct lowercase pseudo-words of consonant-vowel syllables."""
        rng = self._rng(1)
        k = len(_SYLLABLES)
        digits = 3
        while k**digits < 20 * n:
            digits += 1
        codes = np.empty(0, dtype=np.int64)
        while len(codes) < n:  # collisions are rare; top up until there are enough
            draw = rng.integers(0, k**digits, size=int(n * 1.05) + 16, dtype=np.int64)
            merged = np.concatenate([codes, draw])
            _, first = np.unique(merged, return_index=True)
            codes = merged[np.sort(first)]
        codes = codes[:n]
        words = np.full(n, "", dtype=object)
        for _ in range(digits):
            words = words + _SYLLABLES[codes % k]
            codes //= k
        return words

    def _build_names(self) -> None:
        rng = self._rng(2)
        sizes = {
            "labs": _N_LABS,
            "series": _N_LABS,
            "orgs": self.n_orgs,
            "humans": self.n_extra_humans,
            "surnames": self.n_extra_humans,
            "models": self.n_models,
            "datasets": self.n_datasets,
            "off": self.n_off_leaderboard,
            "bots": 2,
            "space": 1,
        }
        stems = self._stems(sum(sizes.values()))
        offsets = np.cumsum([0, *sizes.values()])
        self.stem = {key: stems[a:b] for key, a, b in zip(sizes, offsets[:-1], offsets[1:])}

        lab_style = rng.integers(0, 4, _N_LABS)
        labs = self.stem["labs"]
        self.lab_names = np.select(
            [lab_style == 0, lab_style == 1, lab_style == 2],
            [_capitalize(labs) + "AI", labs + "-ai", _capitalize(labs) + "Labs"],
            labs + "-research",
        )
        self.series_names = _capitalize(self.stem["series"])

        # Organisations that own leaderboard models: 80% are personal accounts (the owner is
        # the commit author), the rest organisations with members.
        orgs = self.stem["orgs"]
        style = rng.choice(7, size=self.n_orgs, p=[0.32, 0.30, 0.14, 0.03, 0.09, 0.07, 0.05])
        digits = _str(rng.integers(1, 9999, self.n_orgs))
        self.org_names = np.select(
            [style == 0, style == 1, style == 2, style == 3, style == 4, style == 5],
            [
                orgs,
                _capitalize(orgs),
                orgs + digits,
                "The" + _capitalize(orgs),
                _capitalize(orgs) + "AI",
                orgs + "-labs",
            ],
            _capitalize(orgs) + "-Research",
        )
        self.org_is_person = style <= 3
        self.org_weight = _pareto_weights(rng, self.n_orgs, 1.6)

        # People who commit: the personal accounts plus contributors who own no model. Some
        # contributors commit under a display name with a space.
        extra = self.stem["humans"]
        display = rng.random(self.n_extra_humans) < 0.12
        extra_names = np.where(
            display,
            _capitalize(extra) + " " + _capitalize(self.stem["surnames"]),
            np.where(rng.random(self.n_extra_humans) < 0.5, extra, _capitalize(extra)),
        )
        self.humans = np.concatenate([self.org_names[self.org_is_person], extra_names])
        self.human_weight = _pareto_weights(rng, len(self.humans), 1.6)
        # Each organisation's uploader: a person, Pareto-weighted.
        member = rng.choice(len(self.humans), size=self.n_orgs, p=self.human_weight)
        person_index = np.cumsum(self.org_is_person) - 1
        self.org_lead = np.where(self.org_is_person, self.humans[np.maximum(person_index, 0)], self.humans[member])
        self.lab_lead = self.humans[rng.choice(len(self.humans), size=_N_LABS, p=self.human_weight)]

        bots = self.stem["bots"]
        self.bot_names = [name for name, _ in _BOTS] + [_capitalize(bots[:1])[0] + "bot", bots[1] + "-bot"]
        self.space_org = _capitalize(self.stem["space"])[0] + "H4"

        # Datasets: ids owned by the same organisations, popularity Zipf-like.
        ds = self.stem["datasets"]
        owner = self.org_names[rng.choice(self.n_orgs, size=self.n_datasets, p=self.org_weight)]
        kind = _DATASET_KINDS[rng.integers(0, len(_DATASET_KINDS), self.n_datasets)]
        joiner = np.where(rng.random(self.n_datasets) < 0.3, "_", "-")
        word = np.where(rng.random(self.n_datasets) < 0.5, ds, _capitalize(ds))
        self.dataset_ids = owner + "/" + word + joiner + kind
        ranks = np.arange(1, self.n_datasets + 1, dtype=float)
        self.dataset_weight = ranks**-1.0 / np.sum(ranks**-1.0)
        self.dataset_effect = rng.normal(0.0, 0.04, self.n_datasets)

    # -- models ---------------------------------------------------------------------------------

    def _build_models(self) -> None:
        rng = self._rng(3)
        roots = _CATALOG
        n_roots = len(roots)
        n_standalone = self.n_standalone
        n_derived = self.n_models - n_roots - n_standalone
        n = self.n_models
        self.n_roots = n_roots
        # 0 = foundation model (catalog), 1 = standalone pretrained, 2 = derived
        self.kind = np.concatenate([np.zeros(n_roots, int), np.ones(n_standalone, int), np.full(n_derived, 2)])
        r = np.arange(n_roots)
        s = np.arange(n_roots, n_roots + n_standalone)
        d = np.arange(n_roots + n_standalone, n)

        model_type = np.empty(n, dtype=np.int64)
        arch = np.empty(n, dtype=object)
        hub_tag = np.empty(n, dtype=object)
        params = np.empty(n, dtype=np.int64)
        created = np.empty(n, dtype=np.int64)
        root_of = np.full(n, -1, dtype=np.int64)
        license_hint = np.full(n, "", dtype=object)
        is_moe = np.zeros(n, dtype=bool)
        size_token = np.empty(n, dtype=object)

        # Foundation models, released on their public dates.
        model_type[r] = [x.model_type for x in roots]
        arch[r] = [x.arch for x in roots]
        hub_tag[r] = [x.tag for x in roots]
        params[r] = [x.params for x in roots]
        created[r] = [_epoch(x.release + "T00:00:00") for x in roots]
        created[r] += rng.integers(8 * 3600, 20 * 3600, n_roots)
        root_of[r] = r
        license_hint[r] = [x.license for x in roots]
        is_moe[r] = [x.arch == _X for x in roots]
        size_token[r] = [x.size for x in roots]

        # Standalone pretrained models.
        table = _STANDALONE_ARCHS
        weights = np.array([t[1] for t in table])
        pick = rng.choice(len(table), size=n_standalone, p=weights / weights.sum())
        model_type[s] = PRETRAINED
        for i, (a, _, sizes, tag) in enumerate(table):
            m = s[pick == i]
            arch[m] = a
            hub_tag[m] = tag
            params[m] = np.array(sizes)[rng.integers(0, len(sizes), len(m))]
        created[s] = self.calendar.sample(rng, n_standalone)
        size_token[s] = _str(np.maximum(params[s], 1)) + np.where(rng.random(n_standalone) < 0.5, "B", "b")

        # Derived models: type and creation time first (so the time shape is exactly the
        # calendar's), then a parent among the models that existed by then.
        types = np.array(list(_DERIVED_TYPE_SHARE))
        share = np.array(list(_DERIVED_TYPE_SHARE.values()))
        model_type[d] = types[rng.choice(len(types), size=n_derived, p=share / share.sum())]
        first_release = created[r].min()
        created[d] = np.maximum(self.calendar.sample(rng, n_derived), first_release + DAY)
        # A latent quality: popular models are better, and popular models get more children.
        quality = np.zeros(n)
        quality[d] = rng.standard_normal(n_derived)
        popularity = np.concatenate([[x.popularity for x in roots], np.zeros(n_standalone), np.exp(1.3 * quality[d])])

        parent = np.full(n, -1, dtype=np.int64)
        from_root = rng.random(n_derived) < np.select(
            [model_type[d] == t for t in _ROOT_PARENT_SHARE], list(_ROOT_PARENT_SHARE.values())
        )
        # Foundation parents: among the roots released before the child's week, by popularity
        # that fades with age (few still fine-tune GPT-2 in 2024).
        parent[d] = self._pick_roots(rng, created[r], popularity[r], created[d])
        # Derived parents: among derived models created in a recent window before the child, by
        # popularity. Merges lean harder on popular models (merging the best is the whole game).
        by_time = d[np.argsort(created[d], kind="stable")]
        times = created[by_time]
        earlier = np.searchsorted(times, created[d], "left")
        window = rng.exponential(_PARENT_WINDOW_DAYS * DAY, n_derived).astype(np.int64) + DAY
        start = np.searchsorted(times, created[d] - window, "left")
        merge = model_type[d] == MERGE
        u = rng.random(n_derived)
        for mask, weight in ((~merge, popularity), (merge, popularity**1.5)):
            cw = np.concatenate([[0.0], np.cumsum(weight[by_time])])
            pick = mask & ~from_root & (earlier > start)
            target = cw[start[pick]] + u[pick] * (cw[earlier[pick]] - cw[start[pick]])
            index = np.clip(np.searchsorted(cw, target, "right") - 1, start[pick], earlier[pick] - 1)
            parent[d[pick]] = by_time[index]

        # Resolve each derived model's foundation model along its chain of parents.
        pending = d
        while len(pending):
            root_of[pending] = root_of[parent[pending]]
            pending = pending[root_of[pending] < 0]

        # Merges take a second parent: an earlier derived model of the same family.
        parent2 = np.full(n, -1, dtype=np.int64)
        shift = np.int64(1) << 40
        family_time = np.sort(root_of[d] * shift + created[d])
        merges = d[merge]
        lo = np.searchsorted(family_time, root_of[merges] * shift, "left")
        hi = np.searchsorted(family_time, root_of[merges] * shift + created[merges], "left")
        key = family_time[np.minimum(lo + (rng.random(len(merges)) * (hi - lo)).astype(np.int64), len(d) - 1)]
        family_sorted = d[np.lexsort((created[d], root_of[d]))]
        candidate = family_sorted[np.searchsorted(family_time, key, "left")]
        ok = (hi > lo) & (candidate != parent[merges])
        parent2[merges[ok]] = candidate[ok]

        dr = root_of[d]
        arch[d] = arch[dr]
        hub_tag[d] = hub_tag[dr]
        license_hint[d] = license_hint[dr]
        is_moe[d] = is_moe[dr]
        size_token[d] = size_token[dr]
        # Some families print two sizes (7B models as 6.0 or 7.0, 70B ones as 68.0 or 70.0).
        alt_value = np.array([x.alt_params[0] for x in roots])[dr]
        alt_share = np.array([x.alt_params[1] for x in roots])[dr]
        params[d] = np.where(rng.random(n_derived) < alt_share, alt_value, params[dr])

        # Mixture-of-experts merges of Mistral models ("2x7B", "4x7B") and a few depth-upscaled
        # ("10.7B") ones: the architecture and size change, the family stays.
        mistral_merge = d[(model_type[d] == MERGE) & (arch[d] == _M)]
        u = rng.random(len(mistral_merge))
        moe = mistral_merge[u < 0.3]
        experts = rng.choice(4, size=len(moe), p=[0.55, 0.3, 0.1, 0.05])
        arch[moe] = _X
        hub_tag[moe] = "mixtral"
        params[moe] = np.array([12, 24, 18, 35])[experts]
        size_token[moe] = np.array(["2x7B", "4x7B", "3x7B", "5x7B"], dtype=object)[experts]
        is_moe[moe] = True
        upscaled = mistral_merge[(u >= 0.3) & (u < 0.4)]
        params[upscaled] = 10
        size_token[upscaled] = "10.7B"

        # What the leaderboard could not read: unknown parameter counts and architectures.
        params[d[rng.random(n_derived) < 0.045]] = 0
        u = rng.random(n_derived)
        arch[d[u < 0.065]] = "Unknown"
        arch[d[(u >= 0.065) & (u < 0.11)]] = "?"
        odd = d[(u >= 0.11) & (u < 0.113)]
        arch[odd] = _ODD_ARCHS[rng.integers(0, len(_ODD_ARCHS), len(odd))]

        self.model_type = model_type
        self.arch = arch
        self.hub_tag = hub_tag
        self.params = params
        self.created = created
        self.root_of = root_of
        self.parent = parent
        self.parent2 = parent2
        self.quality = quality
        self.is_moe = is_moe
        self.size_token = size_token
        self.license_hint = license_hint

        # Flagged models: a few percent of derived ones (never a foundation model).
        self.flagged = np.zeros(n, dtype=bool)
        self.flagged[d[rng.random(n_derived) < 0.017]] = True

        # Who owns each model.
        org = np.full(n, -1, dtype=np.int64)
        org[n_roots:] = rng.choice(self.n_orgs, size=n - n_roots, p=self.org_weight)
        self.org = org
        labs = np.array([x.lab for x in roots])
        self.owner = np.empty(n, dtype=object)
        self.owner[n_roots:] = self.org_names[org[n_roots:]]
        self.owner[r] = np.where(labs >= 0, self.lab_names[np.maximum(labs, 0)], "")
        self.uploader = np.empty(n, dtype=object)
        self.uploader[n_roots:] = self.org_lead[org[n_roots:]]
        self.uploader[r] = self.lab_lead[np.maximum(labs, 0)]

        self._name_models(rng)

    def _pick_roots(self, rng: np.random.Generator, released: np.ndarray, popularity: np.ndarray,
                    when: np.ndarray) -> np.ndarray:
        """For each time in `when`, a foundation model released before it, drawn by popularity
        times a decay with the model's age at the start of that week."""
        weeks = np.arange(HISTORY_START, LEADERBOARD_END, 7 * DAY, dtype=float)
        age_days = (weeks[:, None] - released[None, :]) / DAY
        weight = np.where(age_days > 0, popularity * np.maximum(np.exp(-age_days / 240.0), 0.15), 0.0)
        # The first weeks may predate every release: allow the oldest root there.
        weight[:, np.argmin(released)] = np.maximum(weight[:, np.argmin(released)], 1e-6)
        cw = np.cumsum(weight, axis=1)
        cw /= cw[:, -1:]
        # Row w of the cumulative weights shifted by w keeps one sorted array for all weeks.
        flat = (cw + np.arange(len(weeks))[:, None]).ravel()
        week = np.clip(np.searchsorted(weeks, when, "right") - 1, 0, len(weeks) - 1)
        index = np.searchsorted(flat, week + rng.random(len(when)) * (1 - 1e-12), "right")
        return np.minimum(index - week * len(released), len(released) - 1)

    def _name_models(self, rng: np.random.Generator) -> None:
        n = self.n_models
        roots = _CATALOG
        r = np.arange(self.n_roots)
        labs = np.array([x.lab for x in roots])
        series = self.series_names[np.maximum(labs, 0)]
        root_names = np.array([x.name for x in roots], dtype=object)
        root_tokens = np.array([x.token for x in roots], dtype=object)
        root_names = np.array([a.replace("{W}", b) for a, b in zip(root_names, series)], dtype=object)
        root_tokens = np.array([a.replace("{W}", b) for a, b in zip(root_tokens, series)], dtype=object)

        stem = self.stem["models"]
        word = np.where(rng.random(n) < 0.65, _capitalize(stem), stem)
        family = np.full(n, "", dtype=object)
        has_root = self.root_of >= 0
        family[has_root] = root_tokens[self.root_of[has_root]]
        family = np.where(rng.random(n) < 0.4, _lower(family), family)
        size = self.size_token
        version = _VERSIONS[rng.integers(0, len(_VERSIONS), n)]
        suffix = np.empty(n, dtype=object)
        for t, pool in (
            (PRETRAINED, _CONTINUED_SUFFIXES),
            (CONTINUED, _CONTINUED_SUFFIXES),
            (FINE_TUNED, _FT_SUFFIXES),
            (CHAT, _CHAT_SUFFIXES),
            (MERGE, _MERGE_SUFFIXES),
            (UNKNOWN, _FT_SUFFIXES),
        ):
            m = self.model_type == t
            suffix[m] = pool[rng.integers(0, len(pool), m.sum())]
        suffix[self.is_moe & (self.model_type == MERGE)] = "MoE"

        # Templates; the first four put the family token (e.g. "Mistral-7B") into the name.
        templates = (
            (0.12, lambda i: word[i] + "-" + family[i]),
            (0.10, lambda i: family[i] + "-" + word[i] + "-" + suffix[i]),
            (0.10, lambda i: word[i] + "-" + family[i] + "-" + suffix[i]),
            (0.08, lambda i: word[i] + "-" + family[i] + "-" + version[i]),
            (0.25, lambda i: word[i] + "-" + size[i] + "-" + suffix[i]),
            (0.12, lambda i: word[i] + "-" + size[i]),
            (0.08, lambda i: _lower(stem[i] + "_" + size[i] + "_" + suffix[i])),
            (0.15, lambda i: word[i] + "-" + suffix[i] + "-" + version[i]),
        )
        weights = np.array([w for w, _ in templates])
        choice = rng.choice(len(templates), size=n, p=weights / weights.sum())
        # Models without a family (standalone pretrained) cannot use the family templates.
        choice[~has_root & (choice < 4)] = 5
        names = np.empty(n, dtype=object)
        for k, (_, build) in enumerate(templates):
            index = np.flatnonzero(choice == k)
            names[index] = build(index)
        names[r] = root_names
        self.model_ids = np.where(self.owner == "", names, self.owner + "/" + names)

    # -- repo cards -----------------------------------------------------------------------------

    def _build_cards(self) -> None:
        """Repo presence, base-model declarations, datasets, then scores (datasets shift them)."""
        rng = self._rng(4)
        n = self.n_models
        d_mask = self.kind == 2
        # Repo details stop mid-April; a few older repos are missing too (deleted, gated).
        self.has_repo = (self.created <= REPO_CUTOFF) & (rng.random(n) > 0.03)
        self.has_repo[: self.n_roots] = self.created[: self.n_roots] <= REPO_CUTOFF

        # Declarations.
        decl = np.zeros(n, dtype=np.int64)
        tuned = d_mask & (self.model_type != MERGE)
        merge = d_mask & (self.model_type == MERGE)
        for mask, key in ((tuned, "tuned"), (merge, "merge"), (~d_mask, "pretrained")):
            p = np.array(_DECL_SHARE[key])
            decl[mask] = rng.choice(len(p), size=mask.sum(), p=p / p.sum())
        # Two-base kinds of a merge need its two parents (else it declares one); the newer
        # finetune tag only appears in 2024.
        two = np.isin(decl, (DECL_LIST_TWO, DECL_TAGS_TWO))
        decl[two & merge & (self.parent2 < 0)] = DECL_PLAIN
        decl[(decl == DECL_FINETUNE_TAG) & (self.created < _epoch("2024-03-01T00:00:00"))] = DECL_TAG
        self.decl = decl

        # Off-leaderboard repos (bases that were never evaluated) for DECL_OFF_LEADERBOARD.
        off = self.stem["off"]
        self.off_owner = np.concatenate([self.lab_names, self.org_names])[
            rng.integers(0, _N_LABS + self.n_orgs, self.n_off_leaderboard)
        ]
        off_suffix = np.array(["hf", "GGUF", "AWQ", "base", "pt"], dtype=object)[
            rng.integers(0, 5, self.n_off_leaderboard)
        ]
        self.off_ids = self.off_owner + "/" + _capitalize(off) + "-7B-" + off_suffix
        self.off_created = np.minimum(self.calendar.sample(rng, self.n_off_leaderboard), REPO_CUTOFF - DAY)
        self.off_base = self.off_ids[rng.integers(0, self.n_off_leaderboard, n)]

        # Declared ids are sometimes spelled in another case than the leaderboard's.
        parent_id = np.where(self.parent >= 0, self.model_ids[np.maximum(self.parent, 0)], "")
        parent2_id = np.where(self.parent2 >= 0, self.model_ids[np.maximum(self.parent2, 0)], "")
        lower = rng.random(n) < 0.10
        self.base_id = np.where(lower, _lower(parent_id), parent_id)
        # A fine-tune that names two bases (its parent and another model) is left out of the
        # improvement marts; the second is another leaderboard model.
        other = self.model_ids[np.minimum((rng.random(n) * np.arange(n)).astype(np.int64), n - 1)]
        self.base2_id = np.where(self.parent2 >= 0, parent2_id, other)

        # Models that land in model_improvements (as the warehouse will compute it). At small
        # scales the first few candidates of each type declare their parent, so the mart is
        # never empty.
        candidate = (
            np.isin(self.model_type, (FINE_TUNED, CHAT))
            & (self.parent >= 0)
            & ~self.flagged[np.maximum(self.parent, 0)]
            & self.has_repo
            & ~self.flagged
        )
        for t in (FINE_TUNED, CHAT):
            first = np.flatnonzero(candidate & (self.model_type == t))[:_MIN_SINGLE_BASE]
            decl[first[~np.isin(decl[first], _SINGLE_BASE_DECLS)]] = DECL_PLAIN
        self.single_base = candidate & np.isin(decl, _SINGLE_BASE_DECLS)

        # Datasets: up to four per model, for tuned and some pretrained ones.
        max_slots = 4
        count = np.zeros(n, dtype=np.int64)
        tuned_like = np.isin(self.model_type, (FINE_TUNED, CHAT, CONTINUED, UNKNOWN))
        count[tuned_like] = rng.choice(5, size=tuned_like.sum(), p=[0.55, 0.25, 0.10, 0.06, 0.04])
        pre = self.model_type == PRETRAINED
        count[pre] = rng.choice(2, size=pre.sum(), p=[0.75, 0.25])
        count[self.model_type == MERGE] = rng.choice(2, size=(self.model_type == MERGE).sum(), p=[0.92, 0.08])
        count[decl == DECL_UNKNOWN] = 0
        slots = rng.choice(self.n_datasets, size=(n, max_slots), p=self.dataset_weight)
        for t in (FINE_TUNED, CHAT):
            chosen = np.flatnonzero(self.single_base & (self.model_type == t))
            for forced in range(_FORCED_DATASETS):
                group = chosen[forced * _FORCED_PER_TYPE : (forced + 1) * _FORCED_PER_TYPE]
                slots[group, 0] = forced
                count[group] = np.maximum(count[group], 1)
        # A dataset listed twice by one model would be a typo the Hub rejects: drop repeats.
        present = np.arange(max_slots)[None, :] < count[:, None]
        for j in range(1, max_slots):
            present[:, j] &= ~np.any(slots[:, :j] == slots[:, j : j + 1], axis=1)
        self.dataset_slots = slots
        self.dataset_present = present

        self._score_models(rng)

    def _score_models(self, rng: np.random.Generator) -> None:
        n = self.n_models
        scores = np.zeros((n, 6))
        r = np.flatnonzero(self.kind == 0)
        capability = np.array([x.capability for x in _CATALOG])
        scores[r] = _scores_from_capability(rng, capability)
        chat_roots = r[self.model_type[r] == CHAT]
        scores[chat_roots] = _tuned_scores(scores[chat_roots], np.full(len(chat_roots), 0.12), 0.0)
        s = np.flatnonzero(self.kind == 1)
        size_effect = 0.08 + 0.1 * np.log2(1 + self.params[s])
        scores[s] = _scores_from_capability(rng, np.clip(size_effect + rng.normal(0, 0.06, len(s)), 0.0, 0.8))

        # Score derived models level by level: a model's level is one more than its parents'.
        d = np.flatnonzero(self.kind == 2)
        level = np.zeros(n, dtype=np.int64)
        p1 = self.parent[d]
        p2 = np.where(self.parent2[d] >= 0, self.parent2[d], p1)
        while True:
            new = 1 + np.maximum(level[p1], level[p2])
            if np.array_equal(new, level[d]):
                break
            level[d] = new

        gain = np.zeros(n)
        for t, (mean, sd) in _GAIN.items():
            m = self.model_type == t
            gain[m] = rng.normal(mean, sd, m.sum())
        gain += 0.04 * self.quality
        broken = np.isin(self.model_type, (FINE_TUNED, CHAT)) & (rng.random(n) < _BROKEN_SHARE)
        gain[broken] = -rng.uniform(0.1, 0.8, broken.sum())
        gain += np.where(self.dataset_present[:, 0], self.dataset_effect[self.dataset_slots[:, 0]], 0.0)
        noise = rng.normal(0.0, _TUNING_NOISE, size=(n, 6))

        for lvl in range(1, int(level.max(initial=0)) + 1):
            kids = d[level[d] == lvl]
            base = scores[self.parent[kids]]
            two = self.parent2[kids] >= 0
            if two.any():  # a merge builds on the better of its two parents
                other = scores[self.parent2[kids[two]]]
                better = other.mean(axis=1) > base[two].mean(axis=1)
                base[np.flatnonzero(two)[better]] = other[better]
            scores[kids] = _tuned_scores(base, gain[kids], noise[kids])
        self.score_cents = _cents(scores)

    # -- leaderboard ----------------------------------------------------------------------------

    def _leaderboard(self) -> pd.DataFrame:
        rng = self._rng(5)
        n = self.n_models
        # One row per model, plus re-evaluations (another precision, slightly other scores) and
        # a few ids re-submitted in another letter case.
        extra = rng.choice(3, size=n, p=[0.9475, 0.0515, 0.001])
        row_model = np.repeat(np.arange(n), 1 + extra)
        first_row_of = np.searchsorted(row_model, np.arange(n))
        is_repeat = np.concatenate([[False], row_model[1:] == row_model[:-1]])
        variant_of = np.flatnonzero((self.kind == 2) & (rng.random(n) < 0.002))
        row_model = np.concatenate([row_model, variant_of])
        is_variant = np.concatenate([np.zeros(len(is_repeat), bool), np.ones(len(variant_of), bool)])
        is_repeat = np.concatenate([is_repeat, np.ones(len(variant_of), bool)])
        rows = len(row_model)

        ids = self.model_ids[row_model]
        ids[is_variant] = _recase(ids[is_variant])

        cents = self.score_cents[row_model]
        jitter = np.rint(rng.normal(0, 25, size=(rows, 6))).astype(np.int64)
        cents = np.where(is_repeat[:, None], cents + jitter, cents)
        cents = np.clip(cents, np.rint(_SCORE_LO * 100), np.rint(_SCORE_HI * 100)).astype(np.int64)
        average = np.rint(cents.sum(axis=1) / 6).astype(np.int64)

        mtype = self.model_type[row_model]
        precision = _pick(rng, _PRECISIONS, rows)
        # A re-evaluation differs in precision from the model's first row where it can.
        first_precision = precision[first_row_of[row_model]]
        flip = is_repeat & (precision == first_precision)
        precision[flip] = np.where(first_precision[flip] == "float16", "bfloat16", "float16")

        weight_type = np.full(rows, "Original", dtype=object)
        u = rng.random(rows)
        tuned = np.isin(mtype, (FINE_TUNED, CHAT))
        weight_type[tuned & (u < 0.07)] = "Adapter"
        weight_type[tuned & (u >= 0.07) & (u < 0.0725)] = "Delta"

        derived = self.kind[row_model] == 2
        merged_rate = np.select([mtype == MERGE, mtype == FINE_TUNED, mtype == CHAT], [0.72, 0.115, 0.09], 0.03)
        merged_rate = np.where(derived, merged_rate, 0.0)
        # Inverted flags, as scraped: the raw string False means the model IS merged/flagged/MoE.
        merged = np.where(rng.random(rows) < merged_rate, "False", "True")
        flagged = np.where(self.flagged[row_model], "False", "True")
        moe_rate = np.where(self.is_moe[row_model], 0.8, 0.012)
        moe = np.where(rng.random(rows) < moe_rate, "False", "True")

        license_ = _pick(rng, _LICENSES, n)
        hint = self.license_hint
        use_hint = (hint != "") & (rng.random(n) < np.where(self.kind == 0, 1.0, 0.35))
        license_ = np.where(use_hint, hint, license_)[row_model]

        likes = np.zeros(n, dtype=np.int64)
        liked = rng.random(n) < 0.5
        likes[liked] = np.floor(rng.lognormal(0.8, 1.5, liked.sum())).astype(np.int64)
        likes[: self.n_roots] = np.floor(rng.lognormal(6.5, 1.0, self.n_roots)).astype(np.int64)
        available = np.where(rng.random(n) < 0.71, "True", "False")

        sha = _hex(rng, n)
        sha[rng.random(n) < 0.0005] = ""
        row_sha = sha[row_model]
        resha = is_repeat & (rng.random(rows) < 0.2)
        row_sha[resha] = _hex(rng, int(resha.sum()))

        columns = {
            "Type": TYPE_EMOJI[mtype],
            "ModelHub": HUB_URL + ids,
            "Average \u2b06\ufe0f": _hundredths(average),
            **{name: _hundredths(cents[:, i]) for i, name in enumerate(BENCHMARKS)},
            "TypeString": TYPE_STRING[mtype],
            "Architecture": self.arch[row_model],
            "Weight type": weight_type,
            "Precision": precision,
            "Merged": merged,
            "Hub License": license_,
            "#Params (B)": _str(self.params[row_model]) + ".0",
            "Hub \u2764\ufe0f": _str(likes[row_model]) + ".0",
            "Available on the hub": available[row_model],
            "Model sha": row_sha,
            "Flagged": flagged,
            "MoE": moe,
            "model_name_for_query": ids,
        }
        baseline, baseline_average = self._baseline_row(rng)
        columns = {k: np.append(np.asarray(v, dtype=object), baseline[k]) for k, v in columns.items()}
        # The page lists models by Average, best first; ties by id keep the order deterministic.
        sort_key = np.append(average, baseline_average)
        order = np.lexsort((columns["model_name_for_query"].astype(str), -sort_key))
        # Where each model first appears: repo_details follows the leaderboard's order.
        row_of_model = np.append(row_model, -1)[order]
        listed = np.flatnonzero(row_of_model >= 0)
        first_row = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first_row, row_of_model[listed], listed)
        self.leaderboard_rank = first_row
        # For the final v1 table: each written row's model (-1: the baseline) and whether it
        # re-evaluates a model, and each model's likes.
        self.board_model = row_of_model
        self.board_repeat = np.append(is_repeat, False)[order]
        self.likes = likes
        return _frame(columns, LEADERBOARD_COLUMNS, order)

    # -- the final v1 table -----------------------------------------------------------------------

    def _final_table(self, board: pd.DataFrame) -> pd.DataFrame:
        """The same leaderboard rows as the final v1 table (v1_2024-07-07.csv) has them: snake_case
        headers, booleans TRUE/FALSE (inverted as in the scrape), whole numbers without `.0`,
        the evaluation `date` (ISO 8601 UTC; a few old ones naive with microseconds, a few
        empty), no baseline row, and what changed between the May scrape and July: a few more
        likes, a few models flagged since, licences the table lost (`""`; the scrape's `None`
        becomes a bare empty field)."""
        rng = self._rng(8)
        keep = np.flatnonzero(self.board_model >= 0)  # the final table has no baseline row
        model = self.board_model[keep]
        rows = len(keep)
        old = board.iloc[keep]

        def text(name: str) -> pd.Series:
            return old[name].reset_index(drop=True)

        def boolean(values: pd.Series) -> np.ndarray:
            return values.map({"True": "TRUE", "False": "FALSE"}).to_numpy(dtype=object)

        def whole(values: pd.Series) -> np.ndarray:  # '72.0' -> '72', '78.5' stays
            return values.str.removesuffix(".0").to_numpy(dtype=object)

        n = self.n_models
        flagged = boolean(text("Flagged"))
        since = (self.kind == 2) & ~self.flagged & (rng.random(n) < 0.0007)  # flagged after May
        flagged[since[model]] = "FALSE"

        likes = self.likes + np.where(rng.random(n) < 0.12, np.ceil(rng.lognormal(0.3, 1.0, n)), 0).astype(np.int64)

        license_ = text("Hub License").to_numpy(dtype=object)
        lost = (rng.random(n) < 0.08)[model] & ~np.isin(license_, ["?", "", "None"])
        license_ = np.where(np.isin(license_, ["?", ""]) | lost, "", license_)
        license_ = np.where(license_ == "None", None, license_)

        # Evaluated soon after upload (a third within hours), older models once the leaderboard
        # ran; re-evaluations later still.
        created = self.created[model]
        start = np.maximum(created, EVALUATIONS_START + rng.integers(0, 60 * DAY, rows))
        delay = np.where(
            rng.random(rows) < 0.3, rng.exponential(2 * 3600, rows), rng.lognormal(np.log(5 * DAY), 1.6, rows)
        )
        delay += np.where(self.board_repeat[keep], rng.exponential(20 * DAY, rows), 0)
        late = start + delay > EVALUATIONS_END  # not yet evaluated: redraw within what is left
        delay[late] = rng.random(int(late.sum())) * np.maximum(EVALUATIONS_END - start[late], 0)
        evaluated = (start + delay).astype(np.int64)
        date = np.char.add(evaluated.astype("datetime64[s]").astype(str), "Z").astype(object)
        naive = rng.choice(rows, size=max(1, round(0.0006 * rows)), replace=False)
        micros = rng.integers(0, 1_000_000, len(naive))
        date[naive] = [f"{d[:-1]}.{m:06d}" for d, m in zip(date[naive], micros)]
        date[rng.random(rows) < 0.0035] = ""

        ids = text("model_name_for_query").to_numpy(dtype=object)
        columns = {
            "t": text("Type").to_numpy(dtype=object),
            "model": ids,
            "average": whole(text("Average \u2b06\ufe0f")),
            **{name.lower(): whole(text(name)) for name in BENCHMARKS},
            "type": text("TypeString").to_numpy(dtype=object),
            "architecture": text("Architecture").to_numpy(dtype=object),
            "weight_type": text("Weight type").to_numpy(dtype=object),
            "precision": text("Precision").to_numpy(dtype=object),
            "merged": boolean(text("Merged")),
            "hub_license": license_,
            "params_b": whole(text("#Params (B)")),
            "hub_hearts": _str(likes[model]),
            "available_on_the_hub": boolean(text("Available on the hub")),
            "model_sha": text("Model sha").to_numpy(dtype=object),
            "flagged": flagged,
            "moe": boolean(text("MoE")),
            "date": date,
            "fullname": ids,
            "url": text("ModelHub").to_numpy(dtype=object),
        }
        return _frame(columns, FINAL_TABLE_COLUMNS)

    def _baseline_row(self, rng: np.random.Generator) -> tuple[dict[str, str], int]:
        """The page's random-guess reference row: flagged, with `None` for what it lacks."""
        scores = np.array([2500, 2500, 2500, 2500, 5000, 0])
        average = int(np.rint(scores.sum() / 6))
        discussion = int(rng.integers(100, 999))
        row = {
            "Type": "None",
            "ModelHub": f"{HUB_URL}spaces/{self.space_org}/open_llm_leaderboard/discussions/{discussion}",
            "Average \u2b06\ufe0f": _hundredths(np.array([average]))[0],
            **{name: _hundredths(np.array([v]))[0] for name, v in zip(BENCHMARKS, scores)},
            "TypeString": "",
            "Architecture": "None",
            "Weight type": "None",
            "Precision": "None",
            "Merged": "False",
            "Hub License": "None",
            "#Params (B)": "None",
            "Hub \u2764\ufe0f": "None",
            "Available on the hub": "None",
            "Model sha": "N/A",
            "Flagged": "False",
            "MoE": "None",
            "model_name_for_query": "baseline",
        }
        return row, average

    # -- repo details ---------------------------------------------------------------------------

    def _repo_details(self) -> pd.DataFrame:
        rng = self._rng(6)
        models = np.flatnonzero(self.has_repo)
        n_off = self.n_off_leaderboard
        rows = len(models) + n_off

        def with_off(values: np.ndarray, fill: object) -> np.ndarray:
            """Per-model values for the repo rows, then `fill` for the off-leaderboard repos."""
            tail = np.full((n_off, *values.shape[1:]), fill, dtype=values.dtype)
            return np.concatenate([values[models], tail])

        name = np.concatenate([self.model_ids[models], self.off_ids])
        recase = np.flatnonzero(rng.random(rows) < 0.012)  # a few names differ in case from the leaderboard
        recase = recase[recase < len(models)]
        name[recase] = _recase(name[recase])
        # Legacy bare ids have no owner in the id: their repos belong to a lab.
        owner = np.concatenate([self.owner[models], self.off_owner])
        owner[owner == ""] = self.lab_names[-1]
        created = np.concatenate([self.created[models], self.off_created])
        mtype = with_off(self.model_type, PRETRAINED)
        is_root = with_off(self.kind == 0, False)

        # last_modified: often minutes after creation, sometimes weeks; never after the scrape.
        quick = rng.random(rows) < 0.45
        gap = np.where(quick, rng.exponential(3 * 3600, rows), rng.exponential(25 * DAY, rows))
        modified = np.clip(created + gap.astype(np.int64), created, np.maximum(created, REPO_SCRAPE))

        downloads = np.floor(rng.lognormal(np.log(3000), 0.55, rows)).astype(np.int64)
        few = rng.random(rows) < 0.1
        downloads[few] = rng.integers(0, 400, few.sum())
        downloads[is_root] = np.floor(rng.lognormal(np.log(400_000), 1.2, is_root.sum())).astype(np.int64)

        library = _pick(rng, _LIBRARIES, rows)
        decl = with_off(self.decl, DECL_NONE)
        unknown_card = decl == DECL_UNKNOWN
        language = _pick(rng, _LANGUAGES, rows)
        language[unknown_card] = "unknown"

        # Datasets: a list literal (rarely a plain id), `unknown` on card-less repos.
        slots = with_off(self.dataset_slots, 0)
        present = with_off(self.dataset_present, False)
        slot_ids = [self.dataset_ids[slots[:, j]] for j in range(slots.shape[1])]
        n_ds = present.sum(axis=1)
        datasets = _list_literal(slot_ids, list(present.T), empty="")
        plain_one = (n_ds == 1) & (rng.random(rows) < 0.02)
        datasets[plain_one] = slot_ids[0][plain_one]
        datasets[unknown_card] = "unknown"
        dataset_tags = np.full(rows, "", dtype=object)
        for values, mask in zip(slot_ids, present.T):
            dataset_tags[mask] = dataset_tags[mask] + "'dataset:" + values[mask] + "', "

        # Base models: the card value and the tags, per declaration kind.
        base = with_off(self.base_id, "")
        base2 = with_off(self.base2_id, "")
        off_base = with_off(self.off_base, "")
        card = np.full(rows, "", dtype=object)
        tag = np.full(rows, "", dtype=object)
        # Card and tag can disagree in case only; the warehouse lower-cases both.
        tag_base = np.where(rng.random(rows) < 0.3, _lower(base), base)
        also_tagged = rng.random(rows) < 0.5
        off_tagged = rng.random(rows) < 0.3

        def put(target: np.ndarray, mask: np.ndarray, build) -> None:
            index = np.flatnonzero(mask)
            target[index] = build(index)

        put(card, np.isin(decl, (DECL_PLAIN, DECL_PLAIN_AND_TAG)), lambda i: base[i])
        put(card, decl == DECL_LIST_ONE, lambda i: "['" + base[i] + "']")
        put(card, decl == DECL_LIST_TWO, lambda i: "['" + base[i] + "', '" + base2[i] + "']")
        put(card, decl == DECL_UNKNOWN, lambda i: "unknown")
        put(card, decl == DECL_EMPTY_LIST, lambda i: "[]")
        put(card, decl == DECL_OFF_LEADERBOARD, lambda i: off_base[i])
        put(tag, np.isin(decl, (DECL_TAG, DECL_PLAIN_AND_TAG)), lambda i: "'base_model:" + tag_base[i] + "', ")
        put(tag, decl == DECL_FINETUNE_TAG, lambda i: "'base_model:finetune:" + tag_base[i] + "', ")
        put(
            tag,
            (decl == DECL_TAGS_TWO) | ((decl == DECL_LIST_TWO) & also_tagged),
            lambda i: "'base_model:" + base[i] + "', 'base_model:" + base2[i] + "', ",
        )
        put(tag, (decl == DECL_OFF_LEADERBOARD) & off_tagged, lambda i: "'base_model:" + off_base[i] + "', ")

        license_ = _pick(rng, _LICENSES, rows)
        hinted = with_off(self.license_hint, "")
        license_ = np.where((hinted != "") & (rng.random(rows) < 0.5), hinted, license_)
        tags = self._tags(
            rng,
            library=library,
            mtype=mtype,
            hub_tag=with_off(self.hub_tag, "llama"),
            is_moe=with_off(self.is_moe, False),
            english=np.char.find(language.astype(str), "en") >= 0,
            dataset_tags=dataset_tags,
            base_tags=tag,
            license_=license_,
            card_less=unknown_card,
        )
        columns = {
            "name": name,
            "author": owner,
            "created_at": created,
            "last_modified": modified,
            "downloads": downloads,
            "library_name": library,
            "tags": tags,
            "language": language,
            "datasets": datasets,
            "base_model": card,
        }
        rank = np.concatenate([self.leaderboard_rank[models], rng.integers(0, self.n_models, n_off)])
        return self._with_duplicates(rng, columns, rank.astype(float))

    def _tags(self, rng, *, library, mtype, hub_tag, is_moe, english, dataset_tags, base_tags, license_, card_less):
        """The Hub's tag list, in the Hub's order: library, formats, model type, task, extras,
        language, datasets, arxiv, base models, licence, capabilities, region."""
        rows = len(library)

        def bits(*rates) -> np.ndarray:
            code = np.zeros(rows, dtype=np.int64)
            for i, rate in enumerate(rates):
                code |= (rng.random(rows) < rate).astype(np.int64) << i
            return code

        def combos(parts: Sequence[str]) -> np.ndarray:
            """Every subset of `parts`, indexed by the bit code `bits` draws: one lookup per row
            instead of one concatenation per optional tag."""
            return np.array(
                ["".join(p for i, p in enumerate(parts) if code >> i & 1) for code in range(1 << len(parts))],
                dtype=object,
            )

        libraries = ("'transformers', ", "'peft', ", "")
        lib_code = np.select([library == "peft", library == ""], [1, 2], 0)
        formats = combos(("'safetensors', ", "'pytorch', ", "'gguf', "))
        head = np.array([lib + f for lib in libraries for f in formats], dtype=object)
        head_code = lib_code * len(formats) + bits(0.7, 0.36, 0.012)
        merge = mtype == MERGE
        extras = combos(("'merge', 'mergekit', ", "'lazymergekit', ", "'moe', ", "'conversational', ",
                         "'dpo', ", "'generated_from_trainer', ", "'en', "))  # fmt: skip
        extras_code = bits(
            np.where(merge, 0.8, 0.0),
            np.where(merge, 0.4, 0.0),
            np.where(is_moe, 0.5, 0.0),
            np.where(mtype == CHAT, 0.85, 0.0),
            0.02,
            0.04,
            english.astype(float),
        )
        tail = combos(("'model-index', ", "'autotrain_compatible', ", "'endpoints_compatible', ",
                       "'has_space', ", "'text-generation-inference', ")) + "'region:us']"  # fmt: skip
        tail_code = bits(0.2, 0.93, 0.87, 0.34, 0.92)

        arxiv = np.full(rows, "", dtype=object)
        cited = np.flatnonzero(rng.random(rows) < 0.25)
        months = np.array([f"{m:02d}" for m in range(1, 13)], dtype=object)
        arxiv[cited] = (
            "'arxiv:" + _str(rng.integers(19, 25, len(cited))) + months[rng.integers(0, 12, len(cited))]
            + "." + _str(rng.integers(10000, 99999, len(cited))) + "', "
        )  # fmt: skip
        licence = np.full(rows, "", dtype=object)
        known = np.flatnonzero(~np.isin(license_, ("", "None", "?")) & (np.char.find(license_.astype(str), "[") < 0))
        licence[known] = "'license:" + license_[known] + "', "

        tags = (
            "[" + head[head_code] + "'" + hub_tag + "', 'text-generation', " + extras[extras_code]
            + dataset_tags + arxiv + base_tags + licence + tail[tail_code]
        )  # fmt: skip
        # A card-less repo still has the tags the Hub derives from its files.
        bare = np.flatnonzero(card_less)
        library_only = head[lib_code[bare] * len(formats)]
        tags[bare] = "[" + library_only + "'" + hub_tag[bare] + "', 'text-generation', 'region:us']"
        return tags

    def _with_duplicates(
        self, rng: np.random.Generator, columns: dict[str, np.ndarray], rank: np.ndarray
    ) -> pd.DataFrame:
        """Repeat ~5% of names a little further down; some copies carry another repo's details
        with an earlier created_at and an older last_modified (the latest row stays the truth)."""
        rows = len(rank)
        source = np.repeat(np.arange(rows), rng.choice(3, size=rows, p=[0.948, 0.051, 0.001]))
        dup = {k: v[source] for k, v in columns.items()}
        dup_rank = rank[source] + rng.geometric(1 / 15, len(source)) + 0.5
        differs = np.flatnonzero(rng.random(len(source)) < 0.08)
        donor = rng.integers(0, rows, len(differs))
        for column in ("author", "downloads", "library_name", "tags", "language", "datasets", "base_model"):
            dup[column][differs] = columns[column][donor]
        true_created = dup["created_at"][differs]
        true_modified = dup["last_modified"][differs]
        earlier = true_created - rng.integers(DAY, 150 * DAY, len(differs))
        dup["created_at"][differs] = earlier
        older = rng.random(len(differs)) * 0.9 * (true_modified - earlier)  # before the true row's
        dup["last_modified"][differs] = earlier + older.astype(np.int64)

        table = {k: np.concatenate([columns[k], dup[k]]) for k in columns}
        key = np.concatenate([rank, dup_rank])
        order = np.lexsort((np.arange(len(key)), key))
        table = {k: v[order] for k, v in table.items()}
        # Some rows carry the author of a row just above, as in the real scrape.
        shifted = np.flatnonzero(rng.random(len(key)) < 0.1)
        author = table["author"]
        author[shifted] = author[np.maximum(shifted - rng.integers(1, 4, len(shifted)), 0)]
        # The Hub API's trap: a repo created before the Hub stored creation dates reports its floor.
        table["created_at"] = _timestamps(np.maximum(table["created_at"], HUB_CREATED_AT_FLOOR))
        table["last_modified"] = _timestamps(table["last_modified"])
        table["downloads"] = _str(table["downloads"])
        return _frame(table, REPO_DETAILS_COLUMNS)

    # -- commit data ----------------------------------------------------------------------------

    def _commit_data(self) -> pd.DataFrame:
        rng = self._rng(7)
        has = (rng.random(self.n_models) < 0.905) & (self.created <= COMMIT_SCRAPE - 2 * DAY)
        models = np.flatnonzero(has)
        k = len(models)
        foundation = models < self.n_roots

        # Authors: the uploader (usually the owner), extra Pareto-distributed people, and bots.
        lead = self.uploader[models]
        stranger = rng.random(k) < 0.12
        lead[stranger] = self.humans[rng.choice(len(self.humans), size=stranger.sum(), p=self.human_weight)]
        n_extra = rng.choice(6, size=k, p=[0.77, 0.15, 0.045, 0.015, 0.01, 0.01])
        n_extra[foundation] += 3  # foundation repos have teams
        max_extra = int(n_extra.max(initial=0))
        extra = self.humans[rng.choice(len(self.humans), size=(k, max_extra), p=self.human_weight)]
        people = [lead] + [extra[:, j] for j in range(max_extra)]
        present = [np.ones(k, bool)] + [n_extra > j for j in range(max_extra)]
        for j in range(1, len(people)):  # the same person once per repo
            for i in range(j):
                present[j] &= ~(present[i] & (people[i] == people[j]))
        if max_extra:  # usually the uploader comes first; sometimes a helper does
            swap = (rng.random(k) < 0.2) & present[1]
            people[0], people[1] = np.where(swap, people[1], people[0]), np.where(swap, people[0], people[1])
        # Bots come after the people; a few repos were only ever touched by a bot.
        bot_only = rng.random(k) < 0.003
        present = [mask & ~bot_only for mask in present]
        # Known truth for the benchmarks: the distinct human commit authors (bots come next).
        self.human_commit_authors = len(np.unique(np.concatenate([p[m] for p, m in zip(people, present)]).astype(str)))
        bot_rates = [rate for _, rate in _BOTS] + [0.0015, 0.0015]
        for i, (name, rate) in enumerate(zip(self.bot_names, bot_rates)):
            people.append(np.full(k, name, dtype=object))
            present.append((rng.random(k) < rate) | (bot_only if i == 0 else False))
        authors = _list_literal(people, present, empty="[]")
        n_authors = np.sum(present, axis=0)

        n_commits = np.maximum(np.rint(rng.lognormal(np.log(6), 0.8, k)).astype(np.int64), n_authors)
        n_commits[foundation] += rng.integers(20, 120, foundation.sum())

        created = self.created[models]
        u = rng.random(k)
        earlier = created - rng.integers(0, 60 * DAY, k)  # re-uploads keep older history
        later = created + rng.integers(0, 2 * DAY, k)
        first = np.maximum(np.select([u < 0.85, u < 0.93], [created, earlier], later), _epoch("2019-02-01T00:00:00"))
        quick = rng.random(k) < 0.35
        span = np.where(quick, rng.exponential(2 * 3600, k), rng.exponential(30 * DAY, k)).astype(np.int64)
        last = np.where(n_commits == 1, first, np.clip(first + span, first, np.maximum(first, COMMIT_SCRAPE)))

        columns = {
            "name": self.model_ids[models],
            "num_of_authors": _str(n_authors),
            "num_of_commits": _str(n_commits),
            "first_commit": _timestamps(first),
            "last_commit": _timestamps(last),
            "authors": authors,
        }
        # The scrape walked the ids in reverse order.
        order = np.argsort(columns["name"].astype(str), kind="stable")[::-1]
        return _frame(columns, COMMIT_DATA_COLUMNS, order)


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.synthetic.snapshot",
        description=(
            "Write a synthetic snapshot (leaderboard.csv, repo_details.csv, commit_data.csv, and the "
            "final v1 table's layout of the leaderboard, leaderboard_v1_final.csv, and its rows as the v1 "
            "dataset's parquet, leaderboard_v1.parquet)."
        ),
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the paper's sizes")
    parser.add_argument("--force", action="store_true", help="regenerate even if the marker matches")
    args = parser.parse_args(argv)
    if args.force:
        (args.out / MARKER_NAME).unlink(missing_ok=True)
    out = ensure_generated_snapshot(args.out, seed=args.seed, scale=args.scale)
    print(json.dumps({key: str(out / name) for key, name in {**FILE_NAMES, **DATASET_FILE_NAMES}.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
