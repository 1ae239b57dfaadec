"""The ``pilot-eval`` command line: ``validate``, ``synth`` and ``report``.

Exit status: 0 success; 2 bad input (invalid cohort, unknown or malformed
``-p`` parameter, bad option); 1 a notebook or export failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from pilot_eval.data.params import ParameterError, describe, parse_assignments

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Evaluate a 90-day empathy-training pilot cohort with a balanced scorecard.",
)


def _err(msg: str) -> None:
    typer.echo(msg, err=True)


@app.command()
def validate(
    data_dir: Path = typer.Argument(..., help="Cohort folder (cohort.toml + tables)."),
    as_json: bool = typer.Option(False, "--json", help="Print violations as JSON lines."),
) -> None:
    """Check a cohort folder against the data contract; list every violation."""
    from pilot_eval.data.validate import validate_cohort

    result = validate_cohort(data_dir)
    for w in result.warnings:  # probable mistakes that do not make the cohort invalid
        _err(f"warning: {w.format()}")
    if result.ok:
        cfg = result.config
        tables = ", ".join(f"{k} ({len(v)} rows)" for k, v in sorted(result.tables.items()))
        typer.echo(f"OK: {data_dir} is a valid cohort ({cfg.name!r}): {tables}")
        return
    if as_json:
        for v in result.violations:
            typer.echo(json.dumps({"file": v.file, "column": v.column, "rows": list(v.rows),
                                   "values": list(v.values), "rule": v.rule}))
    else:
        _err(f"{data_dir} is not a valid cohort: {len(result.violations)} violation(s)")
        for v in result.violations:
            _err(f"  - {v.format()}")
    raise typer.Exit(2)


@app.command()
def synth(
    out: Path = typer.Argument(..., help="Folder to write the synthetic cohort into."),
    pilot: int = typer.Option(45, "--pilot", min=1, help="Number of pilot leaders."),
    comparison: int = typer.Option(60, "--comparison", min=0, help="Number of comparison leaders (0 = none)."),
    seed: int = typer.Option(20260105, "--seed", help="Random seed (same seed, same files)."),
    effect: float = typer.Option(0.3, "--effect", help="Planted training effect on empathy_360 at endline, in scale points."),
    file_format: str = typer.Option("csv", "--format", help="csv or parquet."),
) -> None:
    """Write a synthetic cohort with planted ground truth (truth.json)."""
    from pilot_eval.data.synth import generate_cohort

    if file_format not in {"csv", "parquet"}:
        _err("--format must be csv or parquet")
        raise typer.Exit(2)
    try:
        generate_cohort(out, n_pilot=pilot, n_comparison=comparison, seed=seed,
                        effect=effect, file_format=file_format)
    except (FileExistsError, ValueError) as exc:
        _err(f"error: {exc}")
        raise typer.Exit(2)
    typer.echo(f"wrote synthetic cohort to {out} ({pilot} pilot, {comparison} comparison leaders, seed {seed})")


@app.command()
def report(
    data_dir: Path = typer.Argument(..., help="Cohort folder (cohort.toml + tables)."),
    out: Path = typer.Option(..., "--out", "-o", help="Report folder to write (replaced only on success)."),
    parameter: List[str] = typer.Option([], "--parameter", "-p", help="Notebook parameter name=value (repeatable)."),
    notebooks: Optional[Path] = typer.Option(None, "--notebooks", help="Folder of NN_name.ipynb notebooks."),
    list_parameters: bool = typer.Option(False, "--list-parameters", help="List the parameters -p accepts and exit."),
) -> None:
    """Run every notebook on the cohort and write the report folder."""
    from pilot_eval.errors import InputError, ReportError
    from pilot_eval.report.build import build_report

    if list_parameters:
        typer.echo(describe())
        return
    try:
        params = parse_assignments(parameter)
        result = build_report(data_dir, out, params=params, notebooks_dir=notebooks)
    except InputError as exc:  # invalid cohort, -p value or --out: nothing written
        _err(str(exc))
        raise typer.Exit(2)
    except ReportError as exc:
        _err(f"report failed: {exc}\nnothing was written to {out}; an earlier report there is untouched")
        raise typer.Exit(1)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP (report.build.Interrupted)
        _err(f"report {exc or 'interrupted'}: nothing was written to {out}; an earlier report there is untouched")
        raise typer.Exit(128 + getattr(exc, "signum", 2))
    total = sum(r.seconds for r in result.notebooks)
    typer.echo(f"report written to {result.out_dir} ({len(result.notebooks)} notebooks, {total:.1f} s); "
               f"open {result.out_dir / 'index.html'}")


@app.command(name="import")
def import_(
    spec: Path = typer.Argument(..., help="SPEC.toml mapping the exports onto the cohort tables."),
    out: Path = typer.Option(..., "--out", "-o", help="Cohort folder to write (new, or an earlier import)."),
    salt_file: Optional[Path] = typer.Option(
        None, "--salt-file", help="Pseudonymise every ID with the salt in this file (made when missing; "
                                  "keep it outside the cohort folder)."),
) -> None:
    """Build a cohort folder from survey and HRIS exports, as a SPEC maps them; then validate it."""
    from pilot_eval.data.importers import ImportProblems, import_cohort

    try:
        result = import_cohort(spec, out, salt_file=salt_file)
    except ImportProblems as exc:
        _err(str(exc))
        raise typer.Exit(2)
    for note in result.notes:
        typer.echo(f"note: {note}")
    rows = ", ".join(f"{k} ({n} rows)" for k, n in sorted(result.rows.items()))
    typer.echo(f"OK: wrote a valid cohort to {out}: {rows}"
               + ("; IDs pseudonymised" if result.pseudonymised else ""))


@app.command()
def init(
    folder: Path = typer.Argument(..., help="New folder for the starter files."),
) -> None:
    """Write a starter cohort folder: commented cohort.toml, empty tables, an XLSX workbook and a SPEC template."""
    from pilot_eval.data.importers import write_starter

    try:
        written = write_starter(folder)
    except FileExistsError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(2)
    typer.echo(f"wrote {len(written)} starter files to {folder}: fill in cohort.toml and the tables "
               f"(or the workbook, or map your exports in SPEC.toml), then run pilot-eval validate {folder}")


def main() -> None:  # console script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
