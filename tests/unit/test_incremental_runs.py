"""Nothing recomputed that did not change (issue 20; orchestration/wap/inputs.py): when a raw
load may be skipped, what dbt rebuilds, and the raw asset itself on a real file, DuckDB and GX.
The whole job (a rerun skipping everything, then one source changed) is in
tests/integration/test_generated_default.py."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.wap.inputs import (
    FULL_REFRESH_TAG,
    BuiltFrom,
    LoadedInput,
    forget_loaded_inputs,
    gate_fingerprint,
    is_unchanged,
    plan_rebuild,
    project_fingerprint,
    read_loaded_inputs,
    record_loaded_inputs,
    topological_order,
)
from orchestration.wap.state import AUDITED, BUILDING, read_state, write_state


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def core_nodes(manifest: dict) -> list[str]:
    """The paper's dbt area: every model and seed but the weekly v2 ones (tag weekly_v2)."""
    return [uid for uid, node in manifest["nodes"].items()
            if node["resource_type"] in ("model", "seed") and "weekly_v2" not in node["tags"]]


def loads(**checksums: str) -> dict[str, str]:
    return {f"raw.{name}": f"{checksum}@2026-01-01" for name, checksum in checksums.items()}


# --- raw loads ----------------------------------------------------------------------------------


def test_a_load_is_skipped_only_for_the_same_bytes_place_and_gate(tmp_path):
    suite = tmp_path / "raw_x.json"
    suite.write_text('{"expectations": []}')
    gate = gate_fingerprint(suite, layout=None, max_share=0.01)
    recorded = LoadedInput.now(checksum="a" * 64, source="/data/x.csv", gate=gate, run_id="r1", rows=3)

    assert is_unchanged(recorded, checksum="a" * 64, source="/data/x.csv", gate=gate)
    assert not is_unchanged(None, checksum="a" * 64, source="/data/x.csv", gate=gate), "never loaded"
    assert not is_unchanged(recorded, checksum="b" * 64, source="/data/x.csv", gate=gate), "other bytes"
    assert not is_unchanged(recorded, checksum="a" * 64, source="/elsewhere/x.csv", gate=gate), "another file"
    assert gate_fingerprint(suite, layout="final_table", max_share=0.01) != gate, "another layout's gate"
    assert gate_fingerprint(suite, layout=None, max_share=0.05) != gate, "another quarantine threshold"
    suite.write_text('{"expectations": [{"type": "expect_column_to_exist"}]}')
    assert gate_fingerprint(suite, layout=None, max_share=0.01) != gate, "the suite changed"


def test_loads_are_recorded_one_table_at_a_time(tmp_path):
    first = LoadedInput.now(checksum="a", source="/x", gate="g", run_id="r1", rows=1, extra_columns=["extra"])
    record_loaded_inputs(tmp_path, {"raw.leaderboard": first})
    second = LoadedInput.now(checksum="b", source="/y", gate="g", run_id="r2", rows=2)
    record_loaded_inputs(tmp_path, {"raw.commit_data": second})
    assert read_loaded_inputs(tmp_path) == {"raw.leaderboard": first, "raw.commit_data": second}
    assert read_loaded_inputs(tmp_path / "nowhere") == {}


def test_a_table_emptied_without_a_load_is_forgotten_and_its_readers_rebuilt(tmp_path, manifest):
    final = LoadedInput.now(checksum="f", source="/final.csv", gate="g", run_id="r1", rows=9)
    record_loaded_inputs(tmp_path, {"raw.leaderboard_v1_final": final, "raw.commit_data": final})
    built = BuiltFrom({table: load.load_id for table, load in read_loaded_inputs(tmp_path).items()},
                      project_fingerprint(manifest))

    forget_loaded_inputs(tmp_path, ["raw.leaderboard_v1_final"])

    now = {table: load.load_id for table, load in read_loaded_inputs(tmp_path).items()}
    assert set(now) == {"raw.commit_data"}
    plan = plan_rebuild(manifest, core_nodes(manifest), built_from=built, loads_now=now)
    assert "raw.leaderboard_v1_final" in plan.reason and "stg_leaderboard_v1_final" in plan.rebuild


def test_raw_loads_keep_what_the_last_audited_build_read_and_a_dbt_build_clears_it(tmp_path):
    built = asdict(BuiltFrom(loads(leaderboard="a"), "project"))
    write_state(tmp_path, AUDITED, run_id="r1", step="dbt build (core)", built_from=built)
    write_state(tmp_path, BUILDING, run_id="r2", step="raw/leaderboard")
    assert read_state(tmp_path).area("core").built_from == built, "a raw load keeps it: the diff says what changed"
    write_state(tmp_path, BUILDING, run_id="r2", step="dbt build (core)", built_from=None)
    assert read_state(tmp_path).area("core").built_from is None, "a build that may not finish is no starting point"


# --- dbt: what to rebuild -----------------------------------------------------------------------


def test_dbt_rebuilds_only_the_models_downstream_of_the_reloaded_table(manifest):
    area = core_nodes(manifest)
    now = loads(leaderboard="a", repo_details="b", commit_data="c", hfc_commits="d")
    built = BuiltFrom({**now, "raw.commit_data": "old@2025-12-01"}, project_fingerprint(manifest))

    plan = plan_rebuild(manifest, area, built_from=built, loads_now=now)

    assert "raw.commit_data" in plan.reason
    assert {"stg_commit_data", "int_commit_authors"} <= set(plan.rebuild)
    assert {"stg_leaderboard", "stg_hfc_commits", "int_hfc_commit_authors", "architecture_groups"} <= set(plan.keep)
    assert "dim_models" in plan.keep, "dim_models does not read the commits"
    uid_of = {manifest["nodes"][uid]["name"]: uid for uid in area}
    for order in (plan.rebuild, plan.keep):
        position = {name: i for i, name in enumerate(order)}
        for name in order:
            parents = [manifest["nodes"][p]["name"] for p in manifest["parent_map"][uid_of[name]] if p in manifest["nodes"]]
            assert all(position[p] < position[name] for p in parents if p in position), \
                f"{name} before a parent: Dagster takes results parents first"


def test_dbt_rebuilds_nothing_when_nothing_was_reloaded_and_everything_when_it_cannot_tell(manifest):
    area = core_nodes(manifest)
    now = loads(leaderboard="a", commit_data="c")
    built = BuiltFrom(dict(now), project_fingerprint(manifest))
    everything = len([uid for uid in area])

    assert plan_rebuild(manifest, area, built_from=built, loads_now=now).nothing
    assert plan_rebuild(manifest, area, built_from=built, loads_now={**now, "raw.hub_fetch_failures": "x@1"}).nothing, \
        "a raw table no dbt model reads"
    for plan in (
        plan_rebuild(manifest, area, built_from=None, loads_now=now),
        plan_rebuild(manifest, area, built_from=BuiltFrom(dict(now), "another project"), loads_now=now),
        plan_rebuild(manifest, area, built_from=built, loads_now=now, missing=["marts.dim_models"]),
        plan_rebuild(manifest, area, built_from=built, loads_now=now, full_refresh=True),
    ):
        assert plan.everything and len(plan.rebuild) == everything, plan.reason


def test_the_project_fingerprint_follows_sql_and_macros_not_parse_times(manifest):
    fingerprint = project_fingerprint(manifest)
    reparsed = json.loads(json.dumps(manifest))
    reparsed["metadata"]["generated_at"] = "2030-01-01T00:00:00Z"
    assert project_fingerprint(reparsed) == fingerprint
    edited = json.loads(json.dumps(manifest))
    edited["nodes"]["model.openllm_warehouse.dim_models"]["checksum"]["checksum"] = "0" * 64
    assert project_fingerprint(edited) != fingerprint
    macro = next(iter(edited["macros"]))
    reparsed["macros"][macro]["macro_sql"] += " "
    assert project_fingerprint(reparsed) != fingerprint


def test_topological_order_puts_parents_first():
    manifest = {"parent_map": {"c": ["b"], "b": ["a"], "a": [], "d": []}}
    assert topological_order(manifest, ["c", "d", "b", "a"]) == ["a", "d", "b", "c"]


# --- the raw asset on a real file ---------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory) -> Path:
    from orchestration.synthetic.snapshot import generate_snapshot
    from tests.bad_inputs import SNAPSHOT_SCALE, SNAPSHOT_SEED

    directory = tmp_path_factory.mktemp("snapshot")
    generate_snapshot(directory, seed=SNAPSHOT_SEED, scale=SNAPSHOT_SCALE)
    return directory


def materialize_commit_data(settings, *, full_refresh: bool = False) -> dg.ExecuteInProcessResult:
    from orchestration.defs.paper_snapshot.assets import build_raw_asset
    from orchestration.resources import build_resources
    from orchestration.defs.paper_snapshot.reader import SNAPSHOT_FILES

    return dg.materialize([build_raw_asset(SNAPSHOT_FILES["commit_data"])], resources=build_resources(settings),
                          raise_on_error=False, tags={FULL_REFRESH_TAG: "true"} if full_refresh else None)


def outcome(result: dg.ExecuteInProcessResult) -> tuple[bool, dict, dict]:
    """(success, the materialisation's metadata, check name → passed)."""
    (event,) = result.get_asset_materialization_events() or [None]
    metadata = {k: v.value for k, v in event.materialization.metadata.items()} if event else {}
    return result.success, metadata, {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_the_raw_asset_skips_the_file_it_holds_and_never_one_that_failed_its_gate(snapshot_dir, tmp_path,
                                                                                   settings_factory):
    from tests.bad_inputs import CASES

    files = tmp_path / "snapshot"
    files.mkdir()
    for name in ("leaderboard.csv", "repo_details.csv", "commit_data.csv"):
        (files / name).write_bytes((snapshot_dir / name).read_bytes())
    settings = settings_factory(WAREHOUSE_SNAPSHOT_DIR=str(files))
    good = (files / "commit_data.csv").read_bytes()

    ok, first, checks = outcome(materialize_commit_data(settings))
    assert ok and first["reloaded"] and not first["unchanged"] and all(checks.values())

    rerun = materialize_commit_data(settings)
    ok, again, checks = outcome(rerun)
    assert ok and again["unchanged"] and not again["reloaded"]
    assert again["checksum_sha256"] == first["checksum_sha256"] and again["dagster/row_count"] == first["dagster/row_count"]
    assert all(checks.values())
    assert all(e.description.startswith("not evaluated again") for e in rerun.get_asset_check_evaluations())

    bad = next(case for case in CASES if case.name == "malformed-id" and case.source == "commit_data")
    bad.mutate(files / "commit_data.csv", ",")
    for attempt in ("first", "second"):
        ok, _, checks = outcome(materialize_commit_data(settings))
        assert not ok and checks["commit_data_expectations"] is False, f"the {attempt} run on the bad file gates it"
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        assert conn.execute("select distinct _source_checksum from raw.commit_data").fetchall() == \
            [(first["checksum_sha256"],)], "the good file's rows stay"

    (files / "commit_data.csv").write_bytes(good)
    ok, restored, _ = outcome(materialize_commit_data(settings))
    assert ok and restored["unchanged"], "the table still holds the good file, which passed this gate"

    ok, forced, checks = outcome(materialize_commit_data(settings, full_refresh=True))
    assert ok and forced["reloaded"] and not forced["unchanged"] and all(checks.values())
    assert read_loaded_inputs(settings.work_dir)["raw.commit_data"].run_id != restored["gated_by_run"]
