"""The `aligned` command line: outputs, the summary contract, and clear errors."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.measures import SUMMARY_KEYS
from tests.conftest import ALIGNED


def test_run_writes_outputs_and_summary_contract(tmp_path, capsys):
    """`aligned run --json` writes the three files and prints the summary contract."""
    out = tmp_path / "run"
    code = main(["run", "baseline", "--steps", "60", "--seed", "4", "--out", str(out),
                 "--set", "n_customers=400", "--set", "n_employees=40", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["scenario"], summary["seed"], summary["steps"]) == ("baseline", 4, 60)
    for key in SUMMARY_KEYS:
        assert key in summary["final"] and key in summary["last_year"], key
    assert {"annual_quit_rate", "annual_churn_rate"} <= set(summary["last_year"])
    frame = pd.read_parquet(out / "timeseries.parquet")
    assert len(frame) == 60 and set(SUMMARY_KEYS) <= set(frame.columns)
    params = json.loads((out / "params.json").read_text())
    assert params["seed"] == 4 and params["params"]["n_employees"] == 40
    assert params["version"]
    assert json.loads((out / "summary.json").read_text()) == summary


def test_run_prints_a_table(tmp_path, capsys):
    """Without --json a table of the main measures is printed."""
    assert main(["run", "baseline", "--steps", "10", "--out", str(tmp_path),
                 "--set", "n_employees=16", "--set", "n_customers=100"]) == 0
    text = capsys.readouterr().out
    assert "engagement_mean" in text and "annual_quit_rate" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nope"], "unknown scenario 'nope'"),
        (["run", "baseline", "--set", "foo=1"], "unknown parameter 'foo'"),
        (["run", "baseline", "--set", "autonomy=3"], "autonomy = 3.0 is not allowed"),
        (["run", "baseline", "--set", "autonomy"], "expected name=value"),
        (["run", "baseline", "--steps", "0"], "--steps 0"),
        (["run", "baseline", "--set", "meeting_hours=4", "--set", "meeting_hours=5"],
         "--set 'meeting_hours=5': meeting_hours is already set; give each parameter once"),
        (["run", "baseline", "--set", "n_employees=1_00"], "n_employees = '1_00' is not allowed"),
        (["run", "baseline", "--set", "wage=1e309"], "wage = '1e309' is not allowed"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    """Each kind of bad input prints one error line naming it and returns 2."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_console_script_has_no_traceback(tmp_path):
    """The installed `aligned` command exits 2 with no traceback on a bad scenario file."""
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[params]\nwage = 'lots'\n")
    done = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(bad)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "wage = 'lots'" in done.stderr


def test_scenarios_and_params_listings(capsys):
    """`aligned scenarios` lists titles; `aligned params` lists every parameter."""
    assert main(["scenarios"]) == 0
    assert "efficiency_kpi" in capsys.readouterr().out
    assert main(["params"]) == 0
    text = capsys.readouterr().out
    assert "meeting_hours" in text and "h/week" in text


# --- where results go: checked before the work --------------------------------------------
HOURS_OF_WORK = ["--steps", "10000000", "--yes"]  # would run for hours if the check came late


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("make", "out", "message"),
    [
        (lambda d: (d / "afile").write_text("x"), "afile",
         "is a file; expected a folder (new, empty or an earlier run's)"),
        (lambda d: (d / "mine").mkdir() or (d / "mine" / "notes.txt").write_text("x"), "mine",
         "the folder holds other files and no earlier run (summary.json and params.json)"),
        (lambda d: (d / "afile").write_text("x"), "afile/sub", "afile is a file, not a folder"),
        (lambda d: None, "/sys/aligned-out", "cannot write in /sys"),
    ],
)
def test_bad_run_out_fails_before_the_run(tmp_path, monkeypatch, capsys, make, out, message):
    """An existing file, a folder of other files or an unwritable place as `run --out` is one
    line and exit 2, before a run that would take hours starts."""
    monkeypatch.chdir(tmp_path)
    make(tmp_path)
    assert main(["run", "baseline", *HOURS_OF_WORK, "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--out {out}: " in err and message in err


def test_run_replaces_an_earlier_run_and_says_so(tmp_path, monkeypatch, capsys):
    """The default folder, and an --out that holds an earlier run, are replaced with a line
    saying so; an empty folder is used as it is."""
    monkeypatch.chdir(tmp_path)
    argv = ["run", "baseline", "--steps", "3", "--set", "n_employees=16"]
    assert main(argv) == 0
    assert "replacing" not in capsys.readouterr().err
    assert main([*argv, "--seed", "1"]) == 0
    err = capsys.readouterr().err
    assert err == "aligned: replacing the earlier run in results/runs/baseline-seed1\n"
    (tmp_path / "empty").mkdir()
    assert main([*argv, "--out", "empty"]) == 0
    assert capsys.readouterr().err == ""
    assert sorted(p.name for p in (tmp_path / "empty").iterdir()) == [
        "params.json", "summary.json", "timeseries.parquet"]


@pytest.mark.timeout(60)
def test_lesson_and_report_refuse_a_folder_as_out(tmp_path, capsys):
    """`lesson --out DIR` and `report --out DIR` say the destination is a folder, at once."""
    folder = tmp_path / "handout.html"
    folder.mkdir()
    assert main(["lesson", "baseline", "--out", str(folder), "--seeds", "1000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder; expected a file name ending in .html" in err
    assert main(["report", str(tmp_path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--out {tmp_path}: is a folder; expected a file" in err


def test_lesson_on_a_folder_says_it_is_a_folder(tmp_path, capsys):
    """`aligned lesson DIR` names the folder as a folder, not as missing."""
    assert main(["lesson", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"scenario file {tmp_path} is a folder; expected a scenario name or a .toml" in err


# --- long runs and stopping them ---------------------------------------------------------------
def test_very_long_run_needs_yes(capsys):
    """--steps beyond 10,000 weeks is refused in one line that says how to proceed."""
    assert main(["run", "baseline", "--steps", "10000000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "more than 10,000 weeks" in err and "add --yes" in err


def _wait_until_working(proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Wait until the command has entered its work (it imports numpy only then), and a bit."""
    deadline = time.monotonic() + timeout
    maps = Path(f"/proc/{proc.pid}/maps")
    while "_multiarray_umath" not in maps.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, "the run did not start"
        time.sleep(0.1)
    time.sleep(2.0)


@pytest.mark.parametrize(
    ("signum", "code", "line", "background"),
    [(signal.SIGINT, 130, "aligned: interrupted", False),
     (signal.SIGTERM, 143, "aligned: terminated", False),
     (signal.SIGINT, 130, "aligned: interrupted", True)],
)
def test_signal_stops_a_run_cleanly(tmp_path, signum, code, line, background):
    """Ctrl-C and SIGTERM stop a long `run --json` with one line, exit 130/143, nothing on
    stdout and no files; also a background job started with SIGINT ignored, as a script's
    shell starts one."""
    out = tmp_path / "out"
    ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if background else None
    proc = subprocess.Popen([ALIGNED, "run", "baseline", "--steps",
                             "10000", "--json", "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=ignore)
    try:
        _wait_until_working(proc)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert (proc.returncode, stdout, stderr) == (code, "", line + "\n")
    assert not out.exists()


def test_ctrl_c_in_a_terminal_clears_the_progress_bar(tmp_path):
    """In a terminal, Ctrl-C during the progress bar ends with the one line, no traceback."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    proc = subprocess.Popen([ALIGNED, "run", "baseline", "--steps",
                             "10000", "--out", str(tmp_path / "out")], stdin=subprocess.DEVNULL,
                            stdout=follower, stderr=follower)
    os.close(follower)
    seen = b""
    try:
        while b"simulating" not in seen:
            seen += os.read(leader, 4096)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 130
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
    finally:
        proc.kill()
        os.close(leader)
    text = seen.decode(errors="replace")
    assert "Traceback" not in text
    assert text.rstrip().endswith("aligned: interrupted")
    assert not (tmp_path / "out").exists()


def test_held_signals_wait_until_the_files_are_in_place(tmp_path):
    """A Ctrl-C that arrives while a run's files are being put in place is acted on after
    all of them are there."""
    import os

    from sim.files import signals_held

    done = []
    with pytest.raises(KeyboardInterrupt), signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)
        done.append("renamed")
    assert done == ["renamed"]
