"""Nothing lost: outputs that cannot destroy data, resumes that cannot lie, refusals in one line.

Each test reproduces one way the reliability pass destroyed results or got wrong numbers with
exit status 0, and checks it is now refused (or repaired) without a traceback.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from cli import main
from sim.experiment.output import MARKER, OutputLock, lock_path, slug
from tests.conftest import SCENARIOS

TINY = "extends: {ref}\nname: {name}\nweeks: 6\nwarmup_weeks: 2\nteam:\n  managers: 2\n"


def _tiny(tmp: Path, name: str = "tiny", file: str = "tiny.yaml") -> Path:
    path = tmp / file
    ref = (SCENARIOS / "reference.yaml").resolve()
    path.write_text(TINY.format(ref=ref, name=json.dumps(name)))
    return path


def _cli(args: list[str], cwd: Path | None = None) -> Result:
    if cwd is None:
        return CliRunner().invoke(main, args)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args)
    finally:
        os.chdir(old)


def _one_line_refusal(result: Result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else b""
        for p in sorted(root.rglob("*"))
    }


# -- 1. a name is a label, never a path --------------------------------------------------------


@given(st.text(max_size=300))
def test_a_slug_is_always_one_plain_folder_name(text: str) -> None:
    s = slug(text)
    assert s
    assert len(s) <= 80
    assert all(c.isascii() and (c.isalnum() or c in "_-") for c in s), s
    assert not s.startswith(("-", "_"))
    assert s not in (".", "..")


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        (".", "tiny"),
        ("..", "tiny"),
        ("../../victim", "victim"),
        ("/tmp/x", "tmp-x"),
        ("a/b", "a-b"),
        ("Q3 plan: coach?", "Q3-plan-coach"),
        ("x.partial", "x-partial"),
    ],
)
def test_scenario_names_become_folders_inside_outputs(
    tmp_path: Path, name: str, folder: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "precious.txt").write_text("keep me")
    _tiny(work, name)
    result = _cli(["run", "tiny.yaml", "-n", "1", "-j", "1", "-q", "--force"], cwd=work)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (work / "outputs").iterdir()) == [folder]
    assert (work / "outputs" / folder / "weekly.csv").exists()
    assert (tmp_path / "victim" / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim", "work"]


def test_force_never_replaces_a_folder_coachsim_did_not_write(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    line = _one_line_refusal(_cli(["run", str(tiny), "-n", "1", "-o", str(mine), "--force"]))
    assert "was not written by coachsim" in line
    assert (mine / "thesis.tex").read_text() == "years of work"
    assert not (tmp_path / "mine.partial").exists()


@pytest.mark.parametrize("kind", ["symlink", "file", "dangling"])
def test_an_output_that_is_a_link_or_a_file_is_refused_before_running(
    tmp_path: Path, kind: str
) -> None:
    tiny = _tiny(tmp_path)
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    if kind == "symlink":
        elsewhere.mkdir()
        out.symlink_to(elsewhere)
    elif kind == "dangling":
        out.symlink_to(tmp_path / "nowhere")
    else:
        out.write_text("a file")
    before = _tree(tmp_path)
    line = _one_line_refusal(_cli(["run", str(tiny), "-n", "1", "-o", str(out), "--force"]))
    assert ("symbolic link" if kind != "file" else "is a file") in line
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("kind", ["symlink", "file", "foreign"])
def test_a_partial_that_is_not_ours_is_never_removed(tmp_path: Path, kind: str) -> None:
    tiny = _tiny(tmp_path)
    partial = tmp_path / "out.partial"
    target = tmp_path / "target"
    target.mkdir()
    (target / "data.txt").write_text("keep")
    if kind == "symlink":
        partial.symlink_to(target)
    elif kind == "file":
        partial.write_text("keep")
    else:
        partial.mkdir()
        (partial / "data.txt").write_text("keep")
    before = _tree(tmp_path)
    out = str(tmp_path / "out")
    _one_line_refusal(_cli(["run", str(tiny), "-n", "1", "-o", out, "--force"]))
    assert _tree(tmp_path) == before


def test_reserved_output_names_are_refused(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    for name in ("x.partial", "x.lock"):
        result = _cli(["run", str(tiny), "-n", "1", "-o", str(tmp_path / name)])
        assert result.exit_code == 2
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]


# -- 2. one run per output ------------------------------------------------------------------------


def test_a_second_run_into_a_locked_output_is_refused_naming_the_holder(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    out = tmp_path / "out"
    lock = OutputLock(out, "coachsim run other.yaml")
    lock.acquire()
    try:
        for args in (
            ["run", str(tiny), "-n", "1", "-o", str(out)],
            ["run", str(tiny), "-n", "1", "-o", str(out), "--force"],
            ["run", "--resume", str(tmp_path / "out.partial")],
        ):
            line = _one_line_refusal(_cli(args))
            assert f"is being written by another coachsim run (pid {os.getpid()}" in line
        assert not out.exists()
        assert not (tmp_path / "out.partial").exists()
    finally:
        lock.release()
    assert _cli(["run", str(tiny), "-n", "1", "-o", str(out), "-q"]).exit_code == 0
    assert not lock_path(out).exists()


def test_a_lock_left_by_a_dead_run_is_reported_and_not_stale(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    out = tmp_path / "out"
    dead = {"pid": 2**22 + 12345, "started": "2026-01-01T00:00:00+00:00", "command": "x"}
    lock_path(out).write_text(json.dumps(dead))
    result = _cli(["run", str(tiny), "-n", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"a previous run into {out} (pid {dead['pid']}" in result.output
    assert "ended without cleaning up" in result.output


def test_concurrent_runs_never_mix_their_results(tmp_path: Path) -> None:
    """Two runs racing for one output: exactly one writes it, with only its own seed."""
    tiny = _tiny(tmp_path)
    out = tmp_path / "out"
    results: dict[int, Result] = {}

    def go(seed: int) -> None:
        results[seed] = CliRunner().invoke(
            main, ["run", str(tiny), "-n", "6", "-j", "1", "-o", str(out), "--seed", str(seed)]
        )

    threads = [threading.Thread(target=go, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.exit_code for r in results.values())
    assert codes in ([0, 0], [0, 1]), [r.output for r in results.values()]
    seeds = set(pd.read_csv(out / "weekly.csv")["seed"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert seeds == {manifest["seed"]}


# -- 3. a resume uses only what it can prove ---------------------------------------------------


def _interrupted(tmp_path: Path, n: int = 6) -> tuple[Path, Path, Path]:
    """A finished reference run (batch size 2) and a copy turned back into a partial one."""
    tiny = _tiny(tmp_path)
    ref = tmp_path / "ref"
    args = ["run", str(tiny), "-n", str(n), "-j", "1", "-q", "--batch-size", "2", "--seed", "4"]
    assert _cli([*args, "-o", str(ref)]).exit_code == 0
    partial = tmp_path / "cut.partial"
    import shutil

    shutil.copytree(ref, partial, symlinks=True)
    for name in ("weekly.csv", "summary.csv", "report.html", "manifest.json"):
        (partial / name).unlink()
    return tiny, ref, partial


def _same_tables(a: Path, b: Path) -> None:
    for name in ("weekly.csv", "summary.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _edit_record(partial: Path, change: dict[str, object]) -> None:
    record = json.loads((partial / "run.json").read_text())
    for dotted, value in change.items():
        node = record
        *path, last = dotted.split(".")
        for key in path:
            node = node[int(key)] if key.isdigit() else node[key]
        node[last] = value
    (partial / "run.json").write_text(json.dumps(record, indent=2))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"seed": 5}, "run.json: seed differs from the one batch 0 was run with (4 against 5)"),
        ({"batch_size": 3}, "batch size differs from the one batch 0 was run with (2 against 3)"),
        ({"scenarios.0.team.managers": 3}, "scenario hashes differs from the one batch 0 was run"),
        ({"names": ["other"]}, "names do not match the scenarios' names"),
    ],
)
def test_an_edited_record_is_refused(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    _, _, partial = _interrupted(tmp_path)
    _edit_record(partial, change)
    before = _tree(tmp_path)
    line = _one_line_refusal(_cli(["run", "--resume", str(partial)]))
    assert expected in line, line
    assert _tree(tmp_path) == before


def test_an_edited_scenario_in_the_record_is_validated_like_a_file(tmp_path: Path) -> None:
    _, _, partial = _interrupted(tmp_path)
    _edit_record(partial, {"scenarios.0.weeks": -3, "scenarios.0.deal_value.mean_usd": 1e300})
    result = _cli(["run", "--resume", str(partial)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 2, lines
    assert all(ln.startswith(f"{os.path.relpath(partial)}/run.json:") for ln in lines), lines
    assert "scenarios[0].weeks: must be at least 1 (got -3)" in lines[0]


@pytest.mark.parametrize("damage", ["zeroed", "deleted", "truncated", "ledger_cut"])
def test_damaged_parts_are_run_again_and_give_identical_files(tmp_path: Path, damage: str) -> None:
    _, ref, partial = _interrupted(tmp_path)
    part = partial / "parts" / "weekly" / "part-0000002-0000003.parquet"
    if damage == "zeroed":
        blob = bytearray(part.read_bytes())
        blob[100:150] = bytes(50)
        part.write_bytes(bytes(blob))
    elif damage == "deleted":
        (partial / "parts" / "summary" / part.name).unlink()
    elif damage == "truncated":
        part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    else:
        ledger = partial / "parts" / "batches.jsonl"
        lines = ledger.read_text().splitlines(keepends=True)
        ledger.write_text("".join(lines[:-1]) + lines[-1][:25])
    result = _cli(["run", "--resume", str(partial), "-j", "1"])
    assert result.exit_code == 0, result.output
    if damage != "ledger_cut":
        assert "batch 1 (replications 2-3): a part is missing or damaged; running it again" in (
            result.output
        )
    out = tmp_path / "cut"
    _same_tables(ref, out)
    assert sorted(p.name for p in (out / "parts" / "weekly").iterdir()) == sorted(
        p.name for p in (ref / "parts" / "weekly").iterdir()
    )


@pytest.mark.parametrize("where", ["weekly", "summary", "parts"])
def test_a_foreign_file_among_the_parts_is_refused(tmp_path: Path, where: str) -> None:
    _, _, partial = _interrupted(tmp_path)
    folder = partial / "parts" / where if where != "parts" else partial / "parts"
    (folder / "extra.parquet").write_bytes(b"PAR1 not ours")
    line = _one_line_refusal(_cli(["run", "--resume", str(partial)]))
    assert "extra.parquet is not part of this run; remove it to resume" in line


def test_a_stray_part_of_another_run_is_not_merged(tmp_path: Path) -> None:
    """A part named like ours but absent from the ledger is run again, never merged."""
    _, ref, partial = _interrupted(tmp_path)
    weekly = partial / "parts" / "weekly"
    (weekly / "part-0000002-0000003.parquet").unlink()
    (partial / "parts" / "summary" / "part-0000002-0000003.parquet").unlink()
    ledger = partial / "parts" / "batches.jsonl"
    ledger.write_text(
        "".join(ln for ln in ledger.read_text().splitlines(True) if '"batch":1,' not in ln)
    )
    other = pd.read_parquet(weekly / "part-0000000-0000001.parquet")
    other["revenue"] = 1.0
    other.to_parquet(weekly / "part-0000002-0000003.parquet")
    result = _cli(["run", "--resume", str(partial), "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    _same_tables(ref, tmp_path / "cut")


@pytest.mark.parametrize("content", ["{bad", "[]", '{"kind": "run"}'])
def test_a_bad_record_is_one_line(tmp_path: Path, content: str) -> None:
    _, _, partial = _interrupted(tmp_path)
    (partial / "run.json").write_text(content)
    result = _cli(["run", "--resume", str(partial)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert lines
    assert all(ln.startswith(f"{os.path.relpath(partial)}/run.json:") for ln in lines)


# -- 12. the filesystem says no --------------------------------------------------------------


def test_a_file_in_the_way_of_the_output_is_one_line(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    (tmp_path / "afile").write_text("x")
    line = _one_line_refusal(
        _cli(["run", str(tiny), "-n", "1", "-o", str(tmp_path / "afile" / "o")])
    )
    assert "a file, not a folder, is in the way" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_a_read_only_location_is_one_line(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        line = _one_line_refusal(_cli(["run", str(tiny), "-n", "1", "-o", str(ro / "o")]))
        assert "permission denied" in line
    finally:
        ro.chmod(stat.S_IRWXU)


def test_a_full_disk_keeps_the_batches_and_resume_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import sim.job.outputs as outputs

    tiny = _tiny(tmp_path)
    ref = tmp_path / "ref"
    args = ["run", str(tiny), "-n", "4", "-j", "1", "--batch-size", "2", "-q"]
    assert _cli([*args, "-o", str(ref)]).exit_code == 0
    real = outputs.write_atomic

    def full(path: Path, data: str | bytes) -> None:
        if path.name == "report.html":
            path.write_text("trunc")  # what a full disk leaves behind, at most
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(outputs, "write_atomic", full)
    out = tmp_path / "out"
    line = _one_line_refusal(_cli([*args, "-o", str(out)]))
    assert "cannot write the results: no space left on the disk" in line
    assert f"finish with: coachsim run --resume {out}.partial -j 1 -q" in line
    monkeypatch.setattr(outputs, "write_atomic", real)
    done = _cli(["run", "--resume", f"{out}.partial", "-q"])
    assert done.exit_code == 0, done.output
    _same_tables(ref, out)
    assert (out / "report.html").read_text() != "trunc"


# -- 13. Ctrl-C at any point leaves a resumable run ---------------------------------------------


@pytest.mark.parametrize("when", ["report", "weekly", "finish"])
def test_ctrl_c_while_writing_the_results_prints_the_resume_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    import sim.job.outputs as outputs
    from sim.experiment.store import Store

    tiny = _tiny(tmp_path)
    ref = tmp_path / "ref"
    args = ["run", str(tiny), "-n", "3", "-j", "1"]
    assert _cli([*args, "-o", str(ref), "-q"]).exit_code == 0

    def interrupt(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    target = {"report": (outputs, "run_report"), "weekly": (Store, "write_weekly_csv")}
    if when == "finish":
        monkeypatch.setattr(Store, "finish", interrupt)
    else:
        monkeypatch.setattr(*target[when], interrupt)
    out = tmp_path / "out"
    result = _cli([*args, "-o", str(out)])
    assert result.exit_code == 130
    assert "Aborted" not in result.output
    assert "Traceback" not in result.output
    assert f"interrupted: 1 finished batches kept in {out}.partial; finish with: coachsim run " in (
        result.output
    )
    monkeypatch.undo()
    assert _cli(["run", "--resume", f"{out}.partial", "-q"]).exit_code == 0
    _same_tables(ref, out)


def test_ctrl_c_during_the_final_rename_leaves_a_complete_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C that arrives while the folder is renamed into place waits for the rename; the
    user is told the run is complete, not sent to resume a folder that is gone."""
    import signal

    from sim.experiment.store import Store

    real = Store.finish

    def finish_interrupted(self: Store, force: bool) -> None:
        signal.raise_signal(signal.SIGINT)  # arrives mid-rename: deferred until it is done
        real(self, force)

    monkeypatch.setattr(Store, "finish", finish_interrupted)
    tiny = _tiny(tmp_path)
    out = tmp_path / "out"
    result = _cli(["run", str(tiny), "-n", "2", "-j", "1", "-o", str(out), "-q"])
    assert result.exit_code == 130
    assert f"interrupted as the run finished: its results are complete in {out}" in result.output
    assert (out / "report.html").exists()
    assert not (tmp_path / "out.partial").exists()


# -- 14. leftovers never block the next run ---------------------------------------------------


@pytest.mark.slow
def test_an_unreachable_scheduler_leaves_nothing_behind(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    out = tmp_path / "out"
    args = ["run", str(tiny), "-n", "1", "-o", str(out)]
    result = _cli([*args, "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]
    assert _cli([*args, "-q", "-j", "1"]).exit_code == 0


@pytest.mark.parametrize(
    "special", ["fifo", "/dev/zero", "/dev/urandom", "/dev/null", "directory", "sparse"]
)
def test_only_regular_files_are_read(tmp_path: Path, special: str) -> None:
    """No hang, no memory exhaustion: a FIFO, a device or a 10 GB sparse file is named for what
    it is, both given directly and through extends:."""
    path = tmp_path / "x.yaml"
    if special == "fifo":
        os.mkfifo(path)
    elif special == "directory":
        path.mkdir()
    elif special == "sparse":
        with path.open("wb") as f:
            f.truncate(10 * 1024**3)
    else:
        path.symlink_to(special)
    (tmp_path / "top.yaml").write_text(f"extends: {path}\n")
    for name in (str(path), str(tmp_path / "top.yaml")):
        result = _cli(["validate", name])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output, result.output
        line = result.output.strip()
        assert ":1:1: " in line, line
        assert "not a scenario" in line, line
        assert "\n" not in line, line


def test_non_finite_results_fail_loudly_naming_week_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.model.replication import Replication

    real = Replication.run

    def broken(self: Replication) -> tuple[pd.DataFrame, dict[str, object]]:
        weekly, row = real(self)
        weekly.loc[3, "revenue"] = float("inf")
        return weekly, row

    monkeypatch.setattr(Replication, "run", broken)
    tiny = _tiny(tmp_path)
    result = _cli(["run", str(tiny), "-n", "2", "-j", "1", "-o", str(tmp_path / "o")])
    line = _one_line_refusal(result)
    assert "the run stopped, nothing was written: scenario 'tiny', replication 0, week 3: " in line
    assert "revenue is inf" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]


def test_markers_identify_the_run(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    out = tmp_path / "out"
    assert _cli(["run", str(tiny), "-n", "1", "-o", str(out), "--seed", "9"]).exit_code == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["kind"] == "run"
    assert marker["seed"] == 9
    assert len(marker["run_id"]) == 32
    ledger = [json.loads(ln) for ln in (out / "parts" / "batches.jsonl").read_text().splitlines()]
    assert [e["batch"] for e in ledger] == [0]
    assert ledger[0]["seed"] == 9
    assert len(ledger[0]["weekly"]) == 64


# -- 7. runs that cannot fit are refused before they start ---------------------------------------


@pytest.mark.parametrize(
    ("extra", "args", "expected"),
    [
        ("  reps_per_manager: 200\n  managers: 500\n", [], "one replication of the 100,000-rep"),
        ("  reps_per_manager: 200\n  managers: 5000\n", [], "one replication of the 1,000,000-rep"),
        ("", ["-n", "1000000000"], "the per-replication results kept until the end take"),
        ("", ["-n", "4096", "--batch-size", "1", "-j", "1024"], "1024 worker processes of"),
        ("", ["--precision", "0.01", "--max-replications", "1000000000"], "lower -n or --max"),
    ],
)
def test_runs_that_cannot_fit_are_refused_at_once_with_the_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str, args: list[str], expected: str
) -> None:
    import time

    import sim.job.run as job_run

    monkeypatch.setattr(job_run, "available_memory", lambda: 8.0 * 1024**3)
    _tiny(tmp_path)
    big = tmp_path / "big.yaml"
    team = extra or "  managers: 2\n"
    big.write_text(f"extends: tiny.yaml\nname: big\nweeks: 104\nwarmup_weeks: 16\nteam:\n{team}")
    start = time.perf_counter()
    line = _one_line_refusal(_cli(["run", str(big), "-o", str(tmp_path / "o"), *args]))
    assert time.perf_counter() - start < 10
    assert "this run needs about" in line
    assert "this machine has 8.0 GB available" in line
    assert expected in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.yaml", "tiny.yaml"]


def test_a_long_run_gets_a_note_with_the_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.experiment import budget as budget

    monkeypatch.setattr(budget, "WARN_AFTER_S", 0.0)
    tiny = _tiny(tmp_path)
    result = _cli(["run", str(tiny), "-n", "1", "-j", "1", "-o", str(tmp_path / "o")])
    assert result.exit_code == 0
    assert "note: this run will take about" in result.output
