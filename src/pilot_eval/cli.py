"""The ``pilot-eval`` command line: ``validate``, ``report``, ``import``, ``init`` and ``synth``.

Exit status: 0 success; 2 bad input (invalid cohort, SPEC, ``-p`` value or
``--out``; nothing written); 1 a notebook or export failed (an earlier report
untouched); 128 + N when stopped by signal N.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Literal
import sys
import time
from pathlib import Path

import click

from pilot_eval.data.params import describe, parse_assignments

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
PATH = click.Path(path_type=Path)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("pilot-eval")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _err(msg: str) -> None:
    click.echo(msg, err=True)


@click.group(context_settings=CONTEXT)
@click.version_option(version=_version(), prog_name="pilot-eval", message="%(prog)s %(version)s")
def app() -> None:
    """Evaluate a 90-day empathy-training pilot cohort with a balanced scorecard.

    \b
    Start here:
      pilot-eval init my-cohort                 a starter folder to fill in
      pilot-eval import SPEC.toml --out DIR     build a cohort from survey / HRIS exports
      pilot-eval validate DIR                   check a cohort against the data contract
      pilot-eval report DIR --out reports/x     the report: open reports/x/index.html
    """


@app.command(context_settings=CONTEXT)
@click.argument("data_dir", type=PATH, metavar="DATA_DIR")
@click.option("--json", "as_json", is_flag=True, help="Print violations as JSON lines.")
def validate(data_dir: Path, as_json: bool) -> None:
    """Check the cohort folder DATA_DIR against the data contract; list every violation."""
    from pilot_eval.data.validate import validate_cohort

    result = validate_cohort(data_dir)
    for w in result.warnings:  # probable mistakes that do not make the cohort invalid
        _err(f"warning: {w.format()}")
    if result.ok:
        cfg = result.config
        assert cfg is not None  # a valid cohort has its settings
        tables = ", ".join(f"{k} ({len(v)} rows)" for k, v in sorted(result.tables.items()))
        click.echo(f"OK: {data_dir} is a valid cohort ({cfg.name!r}): {tables}")
        return
    if as_json:
        for v in result.violations:
            click.echo(json.dumps({"file": v.file, "column": v.column, "rows": list(v.rows),
                                   "values": list(v.values), "rule": v.rule}))
    else:
        _err(f"{data_dir} is not a valid cohort: {len(result.violations)} violation(s)")
        for v in result.violations:
            _err(f"  - {v.format()}")
    sys.exit(2)


@app.command(context_settings=CONTEXT)
@click.argument("out", type=PATH, metavar="OUT")
@click.option("--pilot", default=45, show_default=True, type=click.IntRange(min=1), help="Pilot leaders.")
@click.option("--comparison", default=60, show_default=True, type=click.IntRange(min=0),
              help="Comparison leaders (0 = none).")
@click.option("--seed", default=20260105, show_default=True, type=int, help="Random seed (same seed, same files).")
@click.option("--effect", default=0.3, show_default=True, type=float,
              help="Planted training effect on the 360 empathy score at endline, in scale points.")
@click.option("--format", "file_format", default="csv", show_default=True, type=click.Choice(["csv", "parquet"]),
              help="File format of the tables.")
def synth(out: Path, pilot: int, comparison: int, seed: int, effect: float, file_format: Literal["csv", "parquet"]) -> None:
    """Write a synthetic cohort with planted ground truth (truth.json) to OUT."""
    from pilot_eval.data.synth import generate_cohort

    try:
        generate_cohort(out, n_pilot=pilot, n_comparison=comparison, seed=seed, effect=effect,
                        file_format=file_format)
    except (FileExistsError, ValueError) as exc:
        _err(f"error: {exc}")
        sys.exit(2)
    click.echo(f"wrote synthetic cohort to {out} ({pilot} pilot, {comparison} comparison leaders, seed {seed})")


def _list_parameters(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(describe())
        ctx.exit(0)


class _Progress:
    """One line per step: name, elapsed time and a rough estimate of the time left."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def __call__(self, msg: str) -> None:
        from pilot_eval.report.html.index import NOTEBOOK_TITLES

        m = re.match(r"\[(\d+)/(\d+)\] (\S+)", msg)
        elapsed = time.monotonic() - self.t0
        if not m:
            _err(msg)
            return
        i, n, stem = int(m.group(1)), int(m.group(2)), m.group(3)
        left = ""
        if i > 1:
            per_step = elapsed / (i - 1)
            left = f", about {_mmss(per_step * (n - i + 1))} left"
        title = NOTEBOOK_TITLES.get(stem, stem)
        _err(f"[{i}/{n}] {title} (elapsed {_mmss(elapsed)}{left})")


def _mmss(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


@app.command(context_settings=CONTEXT)
@click.argument("data_dir", type=PATH, metavar="DATA_DIR")
@click.option("--out", "-o", type=PATH, required=True, metavar="OUT",
              help="Report folder to write: a new folder or an earlier report (replaced only on success).")
@click.option("--parameter", "-p", "parameter", multiple=True, metavar="NAME=VALUE",
              help="Override a setting for this run (repeatable); see --list-parameters.")
@click.option("--pdf", is_flag=True, help="Also write report.pdf (index.html and every step page).")
@click.option("--notebooks", type=PATH, default=None, metavar="DIR", help="Folder of NN_name.ipynb notebooks.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="DATE",
              help="An interim look (YYYY-MM-DD): use only data dated before DATE; the input files are not "
                   "changed. Before the pilot ends the recommendation is about the course (continue, adjust "
                   "coaching, stop early for harm), never scale; lagging indicators not measurable yet say "
                   "'not yet' with the date they will be.")
@click.option("--previous", type=PATH, default=None, metavar="REPORT_DIR",
              help="An earlier report of the same cohort (an earlier --as-of look): the scorecard shows each "
                   "indicator's change since then and flags changes of status.")
@click.option("--list-parameters", is_flag=True, expose_value=False, is_eager=True, callback=_list_parameters,
              help="List the parameters -p accepts and exit.")
def report(data_dir: Path, out: Path, parameter: tuple[str, ...], pdf: bool, notebooks: Path | None,
           as_of: dt.datetime | None, previous: Path | None) -> None:
    """Run every step on the cohort in DATA_DIR and write the report folder OUT.

    \b
    Monthly looks during the pilot:
      pilot-eval report DIR --out looks/day30 --as-of 2026-02-04
      pilot-eval report DIR --out looks/day60 --as-of 2026-03-06 --previous looks/day30
    """
    from pilot_eval.errors import InputError, ReportError
    from pilot_eval.report.build import build_report

    progress = _Progress()
    try:
        params = parse_assignments(list(parameter))
        result = build_report(data_dir, out, params=params, notebooks_dir=notebooks, log=progress, pdf=pdf,
                              as_of=as_of.date() if as_of else None, previous=previous)
    except InputError as exc:  # invalid cohort, -p value or --out: nothing written
        _err(str(exc))
        sys.exit(2)
    except ReportError as exc:
        _err(f"report failed: {exc}\nnothing was written to {out}; an earlier report there is untouched")
        sys.exit(1)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP (report.build.Interrupted)
        _err(f"report {exc or 'interrupted'}: nothing was written to {out}; an earlier report there is untouched")
        sys.exit(128 + getattr(exc, "signum", 2))
    total = time.monotonic() - progress.t0
    click.echo(f"report written to {result.out_dir} ({len(result.notebooks)} steps, {_mmss(total)}); "
               f"open {result.out_dir / 'index.html'}")


@app.command(name="import", context_settings=CONTEXT)
@click.argument("spec", type=PATH, metavar="SPEC.toml")
@click.option("--out", "-o", type=PATH, required=True, metavar="COHORT_DIR",
              help="Cohort folder to write (new, or an earlier import).")
@click.option("--salt-file", type=PATH, default=None, metavar="FILE",
              help="Pseudonymise every ID with the salt in FILE (made when missing; keep it outside the cohort folder).")
def import_(spec: Path, out: Path, salt_file: Path | None) -> None:
    """Build a cohort folder from survey and HRIS exports, as SPEC.toml maps them; then validate it."""
    from pilot_eval.data.importers import ImportProblems, import_cohort

    try:
        result = import_cohort(spec, out, salt_file=salt_file)
    except ImportProblems as exc:
        _err(str(exc))
        sys.exit(2)
    for note in result.notes:
        click.echo(f"note: {note}")
    rows = ", ".join(f"{k} ({n} rows)" for k, n in sorted(result.rows.items()))
    click.echo(f"OK: wrote a valid cohort to {out}: {rows}" + ("; IDs pseudonymised" if result.pseudonymised else ""))


@app.command(context_settings=CONTEXT)
@click.argument("folder", type=PATH, metavar="DIR")
def init(folder: Path) -> None:
    """Write a starter cohort folder DIR: commented cohort.toml, empty tables, an XLSX workbook, a SPEC template."""
    from pilot_eval.data.importers import write_starter

    try:
        written = write_starter(folder)
    except FileExistsError as exc:
        _err(f"error: {exc}")
        sys.exit(2)
    click.echo(f"wrote {len(written)} starter files to {folder}: fill in cohort.toml and the tables "
               f"(or the workbook, or map your exports in SPEC.toml), then run pilot-eval validate {folder}")


def main() -> None:  # console script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
