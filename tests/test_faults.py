"""Faults, for real: a kernel killed from outside, a notebook over its time limit, a full disk while publishing,
two runs of one report at once and a crash between writing and publishing.

Every test runs the `attain` CLI in its own process on a throw-away project (ATTAIN_ROOT) whose notebooks are the
stand-in tests/fixtures/notebooks/faults.ipynb, steered through the environment its kernel inherits:
ATTAIN_TEST_MARK (written into the page, the notebook and the attached alerts.json, so a mixed set shows),
ATTAIN_TEST_SLEEP (one long cell) and ATTAIN_TEST_CELL_SLEEP (each of four cells). After each fault: the published
files are the old set byte for byte, runs.jsonl tells what happened, no process of the project is left, and the
next run publishes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from attain.params import NOTEBOOKS
from attain.publish import publish_lock
from attain.run import CRASH_EXIT, CRASH_HOOK
from test_schedule_runs import Project

pytestmark = pytest.mark.notebook
FAULTS = Path(__file__).parent / "fixtures" / "notebooks" / "faults.ipynb"
SMALL = Path(__file__).parent / "fixtures" / "data" / "small"
PLAN = Path(__file__).parent.parent / "data" / "plan"
REPORT = ("03_tracking.alerts.json", "03_tracking.html", "03_tracking.ipynb")

SCHEDULE = """
jobs:
  daily:
    cron: "30 7 * * *"
    notebooks: [03]
    params: {period: "{quarter}"}
    timeout: 10
"""


class FaultProject(Project):
    """The scheduling tests' throw-away project with the fault stand-in under every notebook name."""

    def __init__(self, root: Path, out: Path | None = None) -> None:
        super().__init__(root, SCHEDULE)
        for spec in NOTEBOOKS.values():
            shutil.copy(FAULTS, root / "notebooks" / spec.file)
        self.out = out or self.out
        self.folder = self.out / "2026-Q3"

    def hand_args(self) -> list[str]:
        return ["run", "03", "--period", "2026-Q3", "--data", str(SMALL), "--plan", str(PLAN), "--out", str(self.out)]

    def hand(self, *, prefix: tuple[str, ...] = (), extra: tuple[str, ...] = (), **env: str
             ) -> subprocess.CompletedProcess:
        """`attain run 03` by hand, to the end."""
        return subprocess.run([*(prefix or (str(Path(sys.executable).parent / "attain"),)), *self.hand_args(), *extra],
                              capture_output=True, text=True, env=self.env(**env), timeout=300)

    def start_hand(self, **env: str) -> subprocess.Popen:
        return subprocess.Popen([str(Path(sys.executable).parent / "attain"), *self.hand_args()],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env(**env))

    def scheduled(self, **env: str) -> subprocess.CompletedProcess:
        """`attain schedule run daily` (the job with `timeout: 10`)."""
        return self.run("run", "daily", "--at", "2026-08-17T09:00", "--out", str(self.out), **env)

    def files(self) -> dict[str, bytes]:
        """Every file in the report folder, hidden ones (temporary files) included."""
        return {p.name: p.read_bytes() for p in sorted(self.folder.iterdir())} if self.folder.is_dir() else {}

    def visible(self) -> dict[str, bytes]:
        return {name: data for name, data in self.files().items() if not name.startswith(".")}

    def staged(self) -> list[Path]:
        return list((self.out / "_staging").glob("*/*.ipynb"))

    def kernels(self) -> list[psutil.Process]:
        return [p for p in super().kernels() if _is_kernel(p)]


def _is_kernel(proc: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return any("ipykernel" in part for part in proc.cmdline())
    return False


def mark_of(files: dict[str, bytes]) -> str:
    """The one run mark of a published set; fails on a mixed or incomplete set."""
    assert sorted(files) == sorted(REPORT), sorted(files)
    mark = json.loads(files["03_tracking.alerts.json"])["mark"]
    assert f"run mark={mark} ".encode() in files["03_tracking.html"]
    assert f"run mark={mark} ".encode() in files["03_tracking.ipynb"]
    return mark


def outputs(notebook: Path) -> str:
    """What the cells of an executed notebook printed."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "".join("".join(out.get("text", "")) for cell in cells for out in cell.get("outputs", []))


def publish(project: FaultProject, mark: str) -> dict[str, bytes]:
    done = project.hand(ATTAIN_TEST_MARK=mark)
    assert done.returncode == 0, done.stdout + done.stderr
    files = project.files()
    assert mark_of(files) == mark
    return files


def assert_clean(project: FaultProject) -> None:
    """No process of the project left, no scratch folder, no temporary file."""
    project.wait_for(lambda: not project.kernels(), seconds=15)
    assert not project.kernels()
    assert not list((project.out / "_staging").glob("*"))
    assert not list(project.out.rglob("*.tmp"))


@pytest.fixture(scope="module")
def old_reports(tmp_path_factory) -> Path:
    """A reports folder with one published run of the report (mark "old"), made once and copied by each test."""
    project = FaultProject(tmp_path_factory.mktemp("old") / "proj")
    publish(project, "old")
    return project.out


def with_old_report(project: FaultProject, old_reports: Path) -> dict[str, bytes]:
    shutil.copytree(old_reports, project.out)
    before = project.files()
    assert mark_of(before) == "old"
    return before


@pytest.fixture
def project(tmp_path):
    return FaultProject(tmp_path / "proj")


# --------------------------------------------------------------------------- 1. a kernel killed from outside

def test_a_kernel_killed_from_outside_fails_the_run_without_hanging(project, old_reports):
    before = with_old_report(project, old_reports)
    proc = project.start_hand(ATTAIN_TEST_MARK="new", ATTAIN_TEST_SLEEP="120")
    # the first cells are saved once done; the kernel is then sleeping in cell 5
    project.wait_for(lambda: any(b"run mark=new" in p.read_bytes() for p in project.staged()))
    [kernel] = project.kernels()
    kernel.kill()                                        # kill -9 of the kernel, not of attain
    killed = time.monotonic()
    assert proc.wait(timeout=60) == 1
    assert time.monotonic() - killed < 20                # noticed within seconds, not after the cell's 120 s
    stderr = proc.stderr.read()
    assert "the kernel died" in stderr and "Traceback" not in stderr
    assert "Kernel died while waiting" in stderr     # nbclient's own record is kept when it is true (no time limit)
    run = project.runs()[-1]
    assert run["status"] == "failed"
    assert "Notebook 03_tracking failed in cell 5: the kernel died" in run["error"]
    assert (project.out / run["failed_notebook"]).is_file()
    assert project.files() == before
    assert_clean(project)
    assert mark_of(publish(project, "next")) == "next"
    assert [r["status"] for r in project.runs()] == ["ok", "failed", "ok"]


# --------------------------------------------------------------------------- 2. over the time limit

def test_a_notebook_over_its_time_limit_is_stopped_and_logged(project, old_reports):
    before = with_old_report(project, old_reports)
    # four cells of 4 s each: every cell is under the job's 10 s, the notebook (16 s) is not
    proc = project.scheduled(ATTAIN_TEST_MARK="slow", ATTAIN_TEST_CELL_SLEEP="4")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "Kernel died while waiting" not in proc.stderr    # nbclient's word would contradict ours
    run = project.runs()[-1]
    assert (run["job"], run["status"]) == ("daily", "failed")
    assert "exceeded its time limit of 10 s and was stopped in cell" in run["error"]
    assert "raise `timeout:` for the job in schedule.yml" in run["error"]
    assert run["seconds"] < 15                           # stopped at 10 s, not run to its end (16 s and more)
    printed = outputs(project.out / run["failed_notebook"])
    assert "step 1 done" in printed and "step 4 done" not in printed
    assert project.files() == before
    assert_clean(project)
    # not firing: the same four cells at 1 s each stay under the limit, and the run publishes
    ok = project.scheduled(ATTAIN_TEST_MARK="next", ATTAIN_TEST_CELL_SLEEP="1")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert mark_of(project.files()) == "next"
    assert [r["status"] for r in project.runs()] == ["ok", "failed", "ok"]


def test_a_run_by_hand_over_its_time_limit_says_so_on_stderr(project):
    # a 5 s limit on the whole notebook; cell 5 sleeps 120 s
    proc = project.hand(extra=("--timeout", "5"), ATTAIN_TEST_SLEEP="120")
    assert proc.returncode == 1
    assert "Notebook 03_tracking exceeded its time limit of 5 s and was stopped in cell 5" in proc.stderr
    assert "Kernel died while waiting" not in proc.stderr and "Traceback" not in proc.stderr
    run = project.runs()[-1]
    assert run["status"] == "failed" and run["seconds"] < 15
    assert "run mark=none" in outputs(project.out / run["failed_notebook"])   # it was in the cells when stopped
    assert_clean(project)


# --------------------------------------------------------------------------- 3. a full disk while publishing

INJECT_FULL_DISK = """
import errno, os, sys
import attain.publish as publish
real = publish.write_temp
def write_temp(path, data):
    if str(path).endswith(".html"):          # the last file of the set: the others' temporary files exist
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return real(path, data)
publish.write_temp = write_temp
from attain.cli import main
sys.exit(main(sys.argv[1:]))
"""


class Disk:
    """A small tmpfs mounted for the test (root), else a write error injected where report files are written."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "disk"
        self.path.mkdir()
        self.mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(self.path)],
                                      capture_output=True).returncode == 0 if os.geteuid() == 0 else False
        self.ballast = self.path / "ballast"

    def fill(self, leave: int) -> tuple[str, ...]:
        """Leave ``leave`` bytes free; returns the command prefix for the run that must meet the full disk."""
        if not self.mounted:
            return (sys.executable, "-c", INJECT_FULL_DISK)
        stat = os.statvfs(self.path)
        self.ballast.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - leave))
        return ()

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def unmount(self) -> None:
        if self.mounted and subprocess.run(["umount", str(self.path)]).returncode != 0:
            subprocess.run(["umount", "-l", str(self.path)])


@pytest.fixture
def disk(tmp_path):
    disk = Disk(tmp_path)
    yield disk
    disk.unmount()


def test_a_full_disk_while_publishing_leaves_the_old_report_whole(tmp_path, disk, old_reports):
    project = FaultProject(tmp_path / "proj", out=disk.path / "reports")
    before = with_old_report(project, old_reports)
    assert len(before["03_tracking.html"]) > 200_000          # the page alone needs more than is left below
    prefix = disk.fill(leave=120_000)
    proc = project.hand(prefix=prefix, ATTAIN_TEST_MARK="new")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    run = project.runs()[-1]
    assert run["status"] == "failed"
    assert (f"could not write the report: {os.strerror(errno.ENOSPC)} — free space in {project.folder}"
            in run["error"])
    assert project.files() == before                          # no temporary file left, nothing renamed
    assert (project.out / run["failed_notebook"]).is_file()   # the executed notebook is kept for a look
    assert_clean(project)
    disk.free()
    assert mark_of(publish(project, "next")) == "next"
    assert [r["status"] for r in project.runs()] == ["ok", "failed", "ok"]


# --------------------------------------------------------------------------- 4. two runs of one report at once

def test_two_runs_of_one_report_at_once_publish_one_whole_set(project):
    first = project.start_hand(ATTAIN_TEST_MARK="first", ATTAIN_TEST_CELL_SLEEP="0.5")
    second = project.start_hand(ATTAIN_TEST_MARK="second", ATTAIN_TEST_CELL_SLEEP="0.5")
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert second.wait(timeout=120) == 0, second.stderr.read()
    runs = project.runs()
    assert sorted((r["status"], r["params"]["period"], r["html"]) for r in runs) == \
        [("ok", "2026-Q3", "2026-Q3/03_tracking.html")] * 2
    assert len({r["run_id"] for r in runs}) == 2 and len({r["pid"] for r in runs}) == 2
    assert mark_of(project.files()) in ("first", "second")    # one run's whole set, never a mix
    assert_clean(project)


def test_a_run_waits_for_another_publisher_of_the_folder(project, old_reports):
    before = with_old_report(project, old_reports)
    with publish_lock(project.out):                           # another run is publishing
        proc = project.start_hand(ATTAIN_TEST_MARK="waiting")
        project.wait_for(lambda: any(b"step 4 done" in p.read_bytes() for p in project.staged()))
        time.sleep(1.5)                                       # it rendered its page and now waits
        assert proc.poll() is None
        assert project.files() == before                      # not even a temporary file yet
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    assert mark_of(project.files()) == "waiting"
    assert_clean(project)


# --------------------------------------------------------------------------- 5. a crash between writing and publishing

def test_a_crash_between_writing_and_publishing_keeps_the_old_report(project, old_reports):
    before = with_old_report(project, old_reports)
    crash = project.hand(ATTAIN_TEST_MARK="crashed", **{CRASH_HOOK: "1"})
    assert crash.returncode == CRASH_EXIT
    files = project.files()
    hidden = sorted(name for name in files if name.startswith("."))
    assert [name.split(".tmp")[0].rsplit(".", 1)[0] for name in hidden] == [f".{n}" for n in REPORT]
    assert project.visible() == before                        # the new files were written, none was published
    assert [r["status"] for r in project.runs()] == ["ok", "interrupted"]     # its process is gone
    assert len(list((project.out / "_staging").glob("*"))) == 1             # its scratch folder is left ...
    assert not project.kernels()                                             # ... but no kernel
    assert mark_of(publish(project, "next")) == "next"        # the next run cleans up and publishes
    runs = project.runs()
    assert [r["status"] for r in runs] == ["ok", "interrupted", "ok"]
    assert runs[1]["finished"]                                # the log itself now says interrupted, in an end line
    assert_clean(project)
