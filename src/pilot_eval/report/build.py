"""``pilot-eval report``: run every notebook on a cohort and build the report folder.

The folder is built in a temporary sibling of OUT and renamed into place only
when every notebook ran and every export was written, so a failed run leaves
no partial OUT and an earlier OUT untouched.

Faults:

* **One snapshot of the inputs.**  The input files are copied, at the start,
  into a private work folder (mode 0700, in the system's temporary folder);
  the cohort is validated from that copy, every notebook reads that copy and
  the manifest hashes it, so a file edited while the report runs cannot mix
  two versions of the data.
* **Nothing left behind.**  The work folder also holds the validated cohort
  handed to the notebook kernels (:func:`pilot_eval.data.cache.shared_cohort`,
  which holds every ID) and the kernels' connection files
  (``JUPYTER_RUNTIME_DIR``); it is deleted on every way out: success,
  failure, Ctrl-C (SIGINT), SIGTERM (schedulers, CI timeouts) and SIGHUP
  (closed terminal), which are all turned into :class:`Interrupted`.  Kernel
  processes still running then are stopped.
* **Disk problems** (read-only folder, disk full, no permission) become
  :class:`OutputError` with one line naming the folder and the reason.

Layout of OUT (data contract, "Report folder"):

* ``index.html`` - the page a program owner opens (offline, no code);
* ``notebooks/NN_name.ipynb`` - the executed notebooks, for researchers;
* ``html/NN_name.html`` - each notebook as HTML with the code hidden;
* ``results/*.csv`` - every headline number, machine-readable;
* ``manifest.json`` - parameters, sha256 of every input file, package
  versions, git commit, start and end time; the look (``as_of``, its day and
  number, the windows it sees), the cohort's hash and the previous look.

Interim looks (``as_of``): the validated cohort is cut once, in the report
process, to what was known before the date
(:func:`pilot_eval.data.as_of.cohort_as_of`), and that cut cohort is what the
kernels receive; the date is also named in ``PILOT_EVAL_AS_OF`` and given to
the notebooks that declare ``as_of``.  The input files and their snapshot are
never changed.  ``previous``: an earlier report of the same cohort, checked
before any work (:func:`pilot_eval.steps.decision.previous.check_previous_look`);
its manifest and scorecard are copied into the private work folder for the
scorecard step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from pilot_eval.data.as_of import AS_OF_ENV, cohort_as_of, cohort_hash, look_at, planned_config, window_status
from pilot_eval.data.cohort import Cohort, CohortValidationError, load_cohort
from pilot_eval.data.cache import private_workdir, shared_cohort, snapshot_inputs
from pilot_eval.data.params import PARAMETERS, ParameterError, cohort_overrides
from pilot_eval.errors import InputError, ReportError
from pilot_eval.report.html.index import render_index
from pilot_eval.report.notebooks import (
    REPO_ROOT, NotebookRun, declared_parameters, default_notebooks_dir, list_notebooks,
)
from pilot_eval.report.pdf import write_pdf
from pilot_eval.report.step_pages import look_line, navigation, page_header
from pilot_eval.report.target import MARKER, check_out_dir, marker_text, out_lock

if TYPE_CHECKING:
    from pilot_eval.steps.decision.previous import PreviousLook

#: Packages whose versions go into the manifest.
MANIFEST_PACKAGES: tuple[str, ...] = (
    "pilot-eval", "pandas", "numpy", "scipy", "statsmodels", "pingouin", "scikit-learn",
    "altair", "vl-convert-python", "papermill", "nbconvert", "nbformat", "ipykernel",
    "pyarrow", "jupyterlab",
)

#: Cells with these tags are left out of the program-owner HTML.
HTML_REMOVE_TAGS: frozenset[str] = frozenset(
    {"parameters", "injected-parameters", "researcher-only", "remove-cell"}
)

#: Kernel log noise (transport warnings, shutdown messages) kept off the user's terminal.
KERNEL_QUIET = ["--IPKernelApp.log_level=CRITICAL"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "pilot_eval_offline"


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT, SIGTERM or SIGHUP); nothing was written.

    A subclass of :class:`KeyboardInterrupt`, so every clean-up that runs on
    Ctrl-C runs on SIGTERM and SIGHUP too.  ``signum`` is the signal's number
    (exit status ``128 + signum`` by convention).
    """

    def __init__(self, signum: int = signal.SIGINT):
        self.signum = int(signum)
        super().__init__(f"stopped by {signal.Signals(self.signum).name}")


class OutputError(ReportError):
    """The report cannot be written: read-only folder, disk full, no permission."""


class AsOfError(InputError):
    """``--as-of`` names a day the report cannot look from (before the pilot started)."""


#: Signals handled like Ctrl-C while a report is built.
STOP_SIGNALS: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def stop_signals_as_interrupts() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Interrupted` while the block runs.

    After the first signal, further SIGTERM/SIGHUP/SIGINT are ignored until the
    block is left, so that clean-up is not itself interrupted.  Outside the
    main thread (signals cannot be handled there) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (*STOP_SIGNALS, signal.SIGINT)}

    def handler(signum: int, frame: object) -> None:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        raise Interrupted(signum)

    def on_sigint(signum: int, frame: object) -> None:
        handler(signum, frame)

    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    if previous[signal.SIGINT] is signal.default_int_handler:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


def _child_pids() -> list[int]:
    """Processes this process started that are still running (Linux /proc; empty elsewhere)."""
    me = os.getpid()
    found: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != b"Z":
            found.append(int(entry))
    return found


def _stop_children(timeout: float = 5.0) -> None:
    """Stop the kernels this process started (after an interruption)."""
    pids = _child_pids()
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            time.sleep(0.05)
        else:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


#: errno values that mean "this folder cannot take the report".
_DISK_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _disk_message(exc: OSError, out_dir: Path) -> str:
    what = {errno.EROFS: "the file system is read-only", errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "the disk quota is exceeded", errno.EFBIG: "a file is too large for the disk",
            }.get(exc.errno or 0, f"permission denied ({exc.strerror})" if exc.errno in
                  (errno.EACCES, errno.EPERM) else (exc.strerror or str(exc)))
    where = f" ({exc.filename})" if exc.filename else ""
    return (f"cannot write the report to {out_dir}: {what}{where}; free some space or choose "
            "another --out")


@dataclass
class ReportResult:
    out_dir: Path
    notebooks: list[NotebookRun] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def git_commit(repo_dir: Path | None = None) -> str | None:
    """The project's git commit (``None`` outside a git checkout)."""
    repo_dir = repo_dir or REPO_ROOT
    try:
        out = subprocess.run(
            ["git", "-C", str(repo_dir), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in MANIFEST_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["python"] = sys.version.split()[0]
    return out


def check_parameters(params: Mapping[str, Any], declared: Mapping[str, set[str]]) -> None:
    """Every ``-p`` name must be a known parameter that some notebook declares."""
    problems = []
    used = set().union(*declared.values()) if declared else set()
    for name in params:
        if name not in PARAMETERS:
            problems.append(f"-p {name}: unknown parameter")
        elif name not in used:
            problems.append(f"-p {name}: no notebook in this report uses it")
    if problems:
        raise ParameterError("invalid report parameters:\n  " + "\n  ".join(problems))


def _export_html(executed: Path, html_path: Path, stems: Sequence[str] = (),
                 results_dir: Path | None = None, look: str = "") -> None:
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(executed, as_version=4)
    remover = TagRemovePreprocessor(remove_cell_tags=set(HTML_REMOVE_TAGS), enabled=True)
    nb, _ = remover.preprocess(nb, {})
    # stderr streams (kernel warnings) are for researchers, not program owners
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources: dict[str, Any] = {"metadata": {"name": executed.stem}}
    if stems:
        resources["pilot_eval_header"] = page_header(executed.stem, stems, results_dir or html_path.parent, look)
        resources["pilot_eval_footer"] = navigation(executed.stem, stems)
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html_path.write_text(body, encoding="utf-8")


def _clear_researcher_only_outputs(executed: Path) -> None:
    """Empty the outputs of cells tagged ``researcher-only`` in the saved notebook.

    Those cells may show pseudonymous rater or observer IDs (e.g. raters to
    recalibrate).  A researcher sees them when running the notebook in
    JupyterLab; the report folder, which is shared, keeps no such IDs.
    """
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and "researcher-only" in cell.metadata.get("tags", []) and cell.outputs:
            cell.outputs = [nbformat.v4.new_output(
                "stream", name="stdout",
                text="[output removed from the shared report: it lists pseudonymous IDs; run the notebook "
                     "in JupyterLab to see it]\n")]
            changed = True
    if changed:
        nbformat.write(nb, executed)


def _failure_message(notebook: Path, exc: BaseException) -> str:
    cell = getattr(exc, "cell_index", None)
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    source = getattr(exc, "source", "") or ""
    first = next((ln for ln in source.splitlines() if ln.strip()), "")
    where = f"cell {cell}" if cell is not None else "execution"
    msg = f"notebook {notebook.name} failed in {where}: {ename}: {evalue}"
    if first:
        msg += f"\n  cell source: {first.strip()[:200]}"
    return msg


def _write_index(tmp: Path, cohort: Cohort, runs: list[NotebookRun]) -> None:
    """Plain index of what was produced (the scorecard notebook may replace it)."""
    (tmp / "index.html").write_text(render_index(tmp, cohort, runs), encoding="utf-8")


def build_report(
    data_dir: str | Path,
    out_dir: str | Path,
    params: Mapping[str, Any] | None = None,
    notebooks_dir: str | Path | None = None,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
    execution_timeout: int | None = 1800,
    pdf: bool = False,
    as_of: dt.date | None = None,
    previous: str | Path | None = None,
) -> ReportResult:
    """Run every notebook on the cohort in ``data_dir`` and write the report to ``out_dir``.

    Parameters
    ----------
    data_dir
        Cohort folder (data contract v1).  Validated first: an invalid cohort
        raises :class:`~pilot_eval.data.cohort.CohortValidationError` and nothing is written.
    out_dir
        Report folder: a new path, or an earlier pilot-eval report, which is
        replaced as a whole only when the run succeeds.  Anything else (a
        file, a folder that is not a report) raises
        :class:`~pilot_eval.report.target.OutDirError` before any work.
    params
        Typed notebook parameters (see :mod:`pilot_eval.data.params`); each notebook
        receives the ones its ``parameters`` cell declares.
    notebooks_dir
        Folder of ``NN_name.ipynb`` notebooks (default: the repository's).
    progress
        Show a progress bar per notebook (default: only when stderr is a terminal).
    log
        Callback for one-line progress messages (default: stderr).
    execution_timeout
        Seconds a single cell may run before the run fails.
    pdf
        Also write ``report.pdf``: index.html and every step page in one PDF
        (:func:`pilot_eval.report.pdf.write_pdf`), inside the same atomic build.
    as_of
        The date of an interim look: only data dated before it are used (the
        inputs are not changed).  Before the pilot ends the recommendation is
        about the course (continue, adjust coaching, stop early for harm).
        A date before the pilot's first day raises :class:`AsOfError`.
    previous
        An earlier report of the same cohort, at an earlier look: the scorecard
        shows the change since it.  One that is not a pilot-eval report, is of
        another cohort or is later raises
        :class:`~pilot_eval.steps.decision.previous.PreviousReportError`.
    """
    import papermill as pm

    started = dt.datetime.now(dt.timezone.utc)
    params = dict(params or {})
    data_dir = Path(data_dir).resolve()
    # 0. never replace anything but a pilot-eval report (checked before any work)
    out_dir = check_out_dir(out_dir, data_dir)
    nb_dir = Path(notebooks_dir).resolve() if notebooks_dir else default_notebooks_dir().resolve()
    if progress is None:
        progress = sys.stderr.isatty()
    if log is None:
        def log(msg: str) -> None:
            print(msg, file=sys.stderr, flush=True)

    # 1. everything that can be checked before writing anything
    notebooks = list_notebooks(nb_dir)
    declared = {nb.name: declared_parameters(nb) for nb in notebooks}
    check_parameters(params, declared)
    previous_look = None
    if previous is not None:
        # imported here: pilot_eval.steps.decision loads the decision's models (statsmodels),
        # which a run that stops at bad input does not need (it answers in about two seconds)
        from pilot_eval.steps.decision.previous import read_previous_look

        previous_look = read_previous_look(previous)

    with stop_signals_as_interrupts(), private_workdir() as work:
        try:
            # 2. one snapshot of the inputs, validated together with every -p value
            snapshot = snapshot_inputs(data_dir, work / "input")
            try:
                cohort = load_cohort(snapshot, overrides=cohort_overrides(params), params=params)
            except CohortValidationError as err:
                raise CohortValidationError(err.violations, data_dir) from None
            for warning in cohort.warnings:
                log(f"warning: {warning.format()}")
            look = _check_look(cohort, as_of, previous_look)
            prev_dir = _copy_previous(previous_look, work / "previous") if previous_look else None
            if as_of is not None:  # the one cut: every notebook gets this cohort
                cohort = cohort_as_of(cohort, as_of)
            # 3. build in a temporary sibling of OUT, holding OUT's lock
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            with out_lock(out_dir):
                check_out_dir(out_dir, data_dir)  # again, now that no other run can change it
                return _build(pm, cohort, data_dir, out_dir, params, notebooks, declared, nb_dir,
                              progress, log, execution_timeout, started, work, pdf,
                              look, previous_look, prev_dir)
        except KeyboardInterrupt:
            _stop_children()
            # nbclient's tasks for the stopped kernel end with DeadKernelError, which asyncio
            # logs with a traceback when they are collected; the run is over, so say nothing
            logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
            raise
        except OSError as exc:
            if exc.errno in _DISK_ERRNOS:
                raise OutputError(_disk_message(exc, out_dir)) from None
            raise


def _check_look(cohort: Cohort, as_of: dt.date | None, previous: PreviousLook | None) -> dict[str, Any]:
    """The look's manifest entry; refuses a date before the pilot and a wrong previous report."""
    cfg = cohort.config
    if as_of is not None and as_of <= cfg.pilot_start:
        raise AsOfError(f"--as-of {as_of.isoformat()}: the pilot starts on {cfg.pilot_start.isoformat()}; "
                        "a look needs at least its first day (give a later date)")
    digest = cohort_hash(cohort)
    if previous is not None:
        from pilot_eval.steps.decision.previous import check_previous_look

        check_previous_look(previous, digest, as_of)
    lk = look_at(cfg, as_of)
    return {
        "as_of": as_of.isoformat() if as_of else None, "day": lk.day, "number": lk.number,
        "planned": lk.planned, "information_fraction": round(lk.information_fraction, 4),
        "interim": lk.interim, "windows": window_status(cfg, as_of), "cohort_hash": digest,
        "previous": None if previous is None else {
            "as_of": previous.as_of.isoformat() if previous.as_of else None,
            "finished_at": previous.finished_at, "report": previous.path.name},
    }


def _copy_previous(previous: PreviousLook, dest: Path) -> Path:
    """The earlier report's manifest and scorecard, copied for the scorecard step (private work folder)."""
    (dest / "results").mkdir(parents=True)
    shutil.copyfile(previous.path / "manifest.json", dest / "manifest.json")
    shutil.copyfile(previous.path / "results" / "scorecard.csv", dest / "results" / "scorecard.csv")
    (dest / MARKER).write_text((previous.path / MARKER).read_text(encoding="utf-8"), encoding="utf-8")
    return dest


@contextlib.contextmanager
def _as_of_env(as_of: str | None) -> Iterator[None]:
    """Name the look's date in ``PILOT_EVAL_AS_OF`` for the kernels while the block runs."""
    old = os.environ.get(AS_OF_ENV)
    if as_of:
        os.environ[AS_OF_ENV] = as_of
    else:
        os.environ.pop(AS_OF_ENV, None)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(AS_OF_ENV, None)
        else:
            os.environ[AS_OF_ENV] = old


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _build(pm, cohort, data_dir, out_dir, params, notebooks, declared, nb_dir, progress, log,
           execution_timeout, started, work: Path, pdf: bool = False, look: dict[str, Any] | None = None,
           previous: PreviousLook | None = None, prev_dir: Path | None = None) -> ReportResult:
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    result = ReportResult(out_dir=out_dir)
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; OUT gets the user's normal permissions
        (tmp / MARKER).write_text(marker_text(package_versions().get("pilot-eval")), encoding="utf-8")
        (tmp / "notebooks").mkdir()
        (tmp / "html").mkdir()
        (tmp / "results").mkdir()
        look = look or _check_look(cohort, None, None)
        base: dict[str, Any] = {"data_dir": str(cohort.path), "out_dir": str(tmp)}
        paths = {str(cohort.path): str(data_dir), str(tmp): str(out_dir)}
        if look["as_of"]:
            base["as_of"] = look["as_of"]
        if prev_dir is not None and previous is not None:
            base["previous_report"] = str(prev_dir)
            paths[str(prev_dir)] = str(previous.path)
        line = look_line(planned_config(cohort), dt.date.fromisoformat(look["as_of"]) if look["as_of"] else None)
        with shared_cohort(cohort, cohort_overrides(params), directory=work), \
                _runtime_dir(work / "tmp"), _as_of_env(look["as_of"]):
            _run_notebooks(pm, notebooks, declared, base, params, tmp, nb_dir, progress, log,
                           execution_timeout, result, paths, line)
        if not (tmp / "index.html").exists():
            _write_index(tmp, cohort, result.notebooks)
        if pdf:
            log("writing report.pdf")
            try:
                write_pdf(tmp)
            except Exception as exc:  # WeasyPrint, fonts
                raise ReportError(f"writing report.pdf failed: {type(exc).__name__}: {exc}") from exc
        finished = dt.datetime.now(dt.timezone.utc)
        manifest = {
            "pilot_eval_version": package_versions().get("pilot-eval"),
            "git_commit": git_commit(),
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": finished.isoformat(timespec="seconds"),
            # the folder's name only: the report is shared, the machine's paths are not
            "cohort": {"name": cohort.config.name, "data_dir": data_dir.name},
            "cohort_hash": look["cohort_hash"],
            "as_of": look["as_of"],
            "look": {k: v for k, v in look.items() if k != "cohort_hash"},
            "settings": planned_config(cohort).as_dict(),  # as planned, whatever the look
            "parameters": {k: params[k] for k in sorted(params)},
            "skipped_tables": cohort.missing_optional,
            "inputs": {
                p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size}
                for p in sorted(cohort.files.values(), key=lambda q: q.name)
            },
            "packages": package_versions(),
            "notebooks": [{"name": r.name, "seconds": r.seconds} for r in result.notebooks],
            "results": sorted(p.name for p in (tmp / "results").glob("*.csv")),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        result.manifest = manifest
        check_out_dir(out_dir, data_dir)
        _swap_into_place(tmp, out_dir)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            _stop_children()  # a kernel still running could write into tmp after its removal
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


@contextlib.contextmanager
def _runtime_dir(path: Path) -> Iterator[None]:
    """Kernel connection files and every temporary file of the run go to ``path`` (inside the
    private work folder) while the block runs: jupyter_client writes connection files with
    :func:`tempfile.mkstemp` and kernels inherit ``TMPDIR``, so nothing is left in the shared
    temporary folder even when a kernel is stopped before its own clean-up."""
    path.mkdir(mode=0o700, exist_ok=True)
    names = ("JUPYTER_RUNTIME_DIR", "TMPDIR")
    previous = {name: os.environ.get(name) for name in names}
    previous_tempdir = tempfile.tempdir
    for name in names:
        os.environ[name] = str(path)
    tempfile.tempdir = str(path)
    try:
        yield
    finally:
        tempfile.tempdir = previous_tempdir
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _restore_paths(executed: Path, paths: Mapping[str, str]) -> None:
    """In the saved notebook's injected parameters, name the real cohort and report folders
    instead of the run's snapshot and temporary build folder (which are gone after the run)."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and "injected-parameters" in cell.metadata.get("tags", []):
            source = cell.source
            for old, new in paths.items():
                source = source.replace(old, new)
            if source != cell.source:
                cell.source, changed = source, True
    recorded = nb.metadata.get("papermill", {}).get("parameters", {})
    for key, value in list(recorded.items()):
        if isinstance(value, str) and value in paths:
            recorded[key], changed = paths[value], True
    if changed:
        nbformat.write(nb, executed)


def _run_notebooks(pm, notebooks, declared, base, params, tmp, nb_dir, progress, log,
                   execution_timeout, result: ReportResult, paths: Mapping[str, str], look: str = "") -> None:
    """Execute each notebook into ``tmp/notebooks`` and export its HTML; stop at the first failure."""
    for i, nb in enumerate(notebooks, 1):
        wanted = {**base, **params}
        injected = {k: v for k, v in wanted.items() if k in declared[nb.name]}
        executed = tmp / "notebooks" / nb.name
        t0 = time.perf_counter()
        log(f"[{i}/{len(notebooks)}] {nb.stem}")
        try:
            pm.execute_notebook(
                str(nb), str(executed), parameters=injected, cwd=str(nb_dir),
                kernel_name="python3", progress_bar=progress, log_output=False,
                request_save_on_cell_execute=False, execution_timeout=execution_timeout,
                extra_arguments=KERNEL_QUIET,
            )
        except Exception as exc:  # papermill / kernel / timeout
            raise ReportError(_failure_message(nb, exc)) from exc
        _clear_researcher_only_outputs(executed)
        _restore_paths(executed, paths)
        try:
            _export_html(executed, tmp / "html" / f"{nb.stem}.html", [n.stem for n in notebooks],
                         tmp / "results", look)
        except Exception as exc:
            raise ReportError(f"exporting {nb.name} to HTML failed: {type(exc).__name__}: {exc}") from exc
        result.notebooks.append(NotebookRun(nb.stem, round(time.perf_counter() - t0, 3)))


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``tmp`` with two renames on the same file system."""
    old: Path | None = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        old.rmdir()
        os.rename(out_dir, old)
    try:
        os.rename(tmp, out_dir)
    except BaseException:
        if old is not None:
            os.rename(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
