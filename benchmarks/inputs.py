"""The benchmarks' inputs: the product's own generators at 1×, 10×, 100× the paper snapshot, and
a Hub-sized HFCommunity-shaped set, written once under the benchmark data directory.

Each set is a directory laid out as the warehouse's settings expect it:
  <data dir>/<set>/generated/              the paper's three files (+ the final v1 table) and
                                           _truth.json, at the set's paper scale
  <data dir>/<set>/generated/leaderboard_v2/  the weekly v2 files at the same scale
  <data dir>/<set>/hfcommunity/csv/        HFCommunity's per-table CSV export (and _truth.json)

The formats are the sources' own (CSV; HFCommunity's CSV export rather than its SQL dump, which
the warehouse also reads but which is not how a Hub-sized dump is best loaded, and which only the
product's streaming parser reads: the floor reads the CSV export directly). Generation is
vectorised and skipped when the generators' markers say the files are already there.

Sizes:
  * scale N: the paper snapshot × N (6,661 leaderboard rows at 1×), the weekly v2 files × N,
    HFCommunity with 2,000 × N model repos;
  * hub (× fraction F, 1 by default): 100,000 × F leaderboard rows (the paper snapshot at
    15 × F) and the whole Hub's HFCommunity shape × F: 2M models, 1M authors, 20M commits.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from orchestration.synthetic.snapshot import TRUTH_NAME, ensure_generated_snapshot
from orchestration.synthetic.hfcommunity import (
    CSV_DIR_NAME,
    MODELS_AT_SCALE_1,
    HubShape,
    ensure_generated_hfcommunity,
    hub_shape,
)
from orchestration.synthetic.weekly import ensure_generated_weekly

# Leaderboard rows of the generated paper snapshot at scale 1 (the real scrape's 6,661 rows).
LEADERBOARD_ROWS_AT_SCALE_1 = 6_661
HUB_LEADERBOARD_ROWS = 100_000
WEEKLY_DIR_NAME = "leaderboard_v2"
SEED = 42
BENCH_DUCKDB_MEMORY_LIMIT = "4GiB"


@dataclass(frozen=True)
class InputSet:
    """One benchmark input: its name, the paper snapshot's scale and the HFCommunity dump's size."""

    name: str
    paper_scale: float
    hfc_models: int
    hfc_shape: HubShape | None = None


def scale_set(scale: float) -> InputSet:
    return InputSet(f"{scale:g}x", paper_scale=float(scale), hfc_models=round(MODELS_AT_SCALE_1 * scale))


def hub_set(fraction: float = 1.0) -> InputSet:
    shape = hub_shape(fraction)
    name = "hub" if fraction == 1 else f"hub-{fraction:g}"
    return InputSet(name, paper_scale=HUB_LEADERBOARD_ROWS * fraction / LEADERBOARD_ROWS_AT_SCALE_1,
                    hfc_models=shape.models, hfc_shape=shape)  # fmt: skip


@dataclass(frozen=True)
class PreparedInputs:
    input_set: InputSet
    root: Path
    generation_seconds: float

    @property
    def generated_dir(self) -> Path:
        return self.root / "generated"

    @property
    def weekly_dir(self) -> Path:
        return self.generated_dir / WEEKLY_DIR_NAME

    @property
    def hfcommunity_dir(self) -> Path:
        return self.root / "hfcommunity"

    @property
    def hfcommunity_csv(self) -> Path:
        return self.hfcommunity_dir / CSV_DIR_NAME

    def truth(self) -> dict[str, int]:
        """The generators' known truth for this set (paper and HFCommunity values)."""
        paper = json.loads((self.generated_dir / TRUTH_NAME).read_text())
        hub = json.loads((self.hfcommunity_dir / TRUTH_NAME).read_text())
        return {**paper, **hub}

    def settings_env(self, run_dir: Path) -> dict[str, str]:
        """The warehouse's settings for a run on these inputs, every output under run_dir."""
        return {
            "WAREHOUSE_SOURCE": "generated",
            "WAREHOUSE_GENERATED_DIR": str(self.generated_dir),
            "WAREHOUSE_GENERATOR_SEED": str(SEED),
            "WAREHOUSE_GENERATOR_SCALE": repr(self.input_set.paper_scale),
            "WAREHOUSE_HFCOMMUNITY_DUMP": str(self.hfcommunity_csv),
            "WAREHOUSE_WORK_DIR": str(run_dir / "work"),
            "WAREHOUSE_DUCKDB_PATH": str(run_dir / "published" / "warehouse.duckdb"),
            "WAREHOUSE_FIGURES_DIR": str(run_dir / "figures"),
            "WAREHOUSE_REPORT_DIR": str(run_dir / "report"),
            "DAGSTER_HOME": str(run_dir / "dagster_home"),
            # DuckDB's buffer pool within the 6 GiB target (DuckDB spills past it).
            "WAREHOUSE_DUCKDB_MEMORY_LIMIT": BENCH_DUCKDB_MEMORY_LIMIT,
            # Each run publishes a full copy of the working database: at Hub size, keep the fewest.
            "WAREHOUSE_KEEP_VERSIONS": "2",
        }


def next_hfcommunity_month(prepared: PreparedInputs) -> Path:
    """A new month of HFCommunity for the set (the same shape, the generator's next seed): the
    CSV export beside the set's own, generated once."""
    out_dir = prepared.root / "hfcommunity-next-month"
    shape = prepared.input_set.hfc_shape
    scale = prepared.input_set.hfc_models / MODELS_AT_SCALE_1
    ensure_generated_hfcommunity(out_dir, seed=SEED + 1, forms=("csv",), shape=shape, **({} if shape else {"scale": scale}))
    return out_dir / CSV_DIR_NAME


def prepare(input_set: InputSet, data_dir: Path) -> PreparedInputs:
    """Generate the set's files under data_dir/<name> unless they are already there."""
    root = Path(data_dir) / input_set.name
    started = time.perf_counter()
    prepared = PreparedInputs(input_set, root, 0.0)
    ensure_generated_snapshot(prepared.generated_dir, seed=SEED, scale=input_set.paper_scale)
    ensure_generated_weekly(prepared.weekly_dir, seed=SEED, scale=input_set.paper_scale)
    if input_set.hfc_shape is not None:
        ensure_generated_hfcommunity(prepared.hfcommunity_dir, seed=SEED, forms=("csv",), shape=input_set.hfc_shape)
    else:
        scale = input_set.hfc_models / MODELS_AT_SCALE_1
        ensure_generated_hfcommunity(prepared.hfcommunity_dir, seed=SEED, scale=scale, forms=("csv",))
    return PreparedInputs(input_set, root, time.perf_counter() - started)
