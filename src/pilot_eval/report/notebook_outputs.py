"""Keep the committed notebooks diff-friendly and their nbval checks meaningful.

Policy (documented in README.md):

* Notebooks are committed **without outputs**, except the cells tagged
  ``nbval-check-output``: those print or say (``report.prose.say``) headline
  numbers of the sample cohort as text, and ``pytest --nbval-lax`` compares them on every CI run.
  Charts (SVG), tables and timings are never stored, so no random ids or
  machine-specific values reach git.
* Volatile metadata (execution counts, timings, papermill and widget state)
  is stripped.

``python -m pilot_eval.report.notebook_outputs refresh notebooks`` re-executes every
notebook on ``data/sample`` and stores the checked outputs;
``... check notebooks`` exits 1 if a notebook is not in stripped form.
"""

from __future__ import annotations

import copy
import sys
import tempfile
from pathlib import Path

import nbformat

CHECK_TAG = "nbval-check-output"
#: Output forms kept in a checked cell.
TEXT_MIMES = ("text/plain", "text/html", "text/markdown")
KEEP_CELL_METADATA = ("tags",)
KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")


def strip_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with volatile metadata and unchecked outputs removed."""
    nb = copy.deepcopy(nb)
    nb.metadata = nbformat.NotebookNode({k: nb.metadata[k] for k in KEEP_NOTEBOOK_METADATA if k in nb.metadata})
    if "language_info" in nb.metadata:
        nb.metadata["language_info"] = nbformat.NotebookNode({"name": nb.metadata["language_info"].get("name", "python")})
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode({k: cell.metadata[k] for k in KEEP_CELL_METADATA if k in cell.metadata})
        cell.pop("id", None)
        if cell.cell_type != "code":
            cell.pop("attachments", None) if not cell.get("attachments") else None
            continue
        cell.execution_count = None
        tags = cell.metadata.get("tags", [])
        if CHECK_TAG in tags:
            # nbval treats a cell with outputs and no execution count as "unrun"
            cell.execution_count = 1
            kept = []
            for out in cell.outputs:
                if out.get("output_type") == "stream" and out.get("name") == "stdout":
                    kept.append(nbformat.NotebookNode({"name": "stdout", "output_type": "stream", "text": out["text"]}))
                elif out.get("output_type") in ("display_data", "execute_result"):
                    # sentences shown with report.prose.say or as Markdown: their text forms (nbval
                    # compares every one), never images or widget state
                    data = {k: v for k, v in out.get("data", {}).items() if k in TEXT_MIMES}
                    if data:
                        node = {"output_type": out["output_type"], "metadata": {}, "data": data}
                        if out["output_type"] == "execute_result":
                            node["execution_count"] = 1
                        kept.append(nbformat.NotebookNode(node))
            cell.outputs = kept
        else:
            cell.outputs = []
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def normalised_text(nb: nbformat.NotebookNode) -> str:
    """The notebook as it is stored in git (stripped, ids removed, stable JSON)."""
    return nbformat.writes(strip_notebook(nb), version=4) + "\n"


def _write(path: Path, nb: nbformat.NotebookNode) -> None:
    path.write_text(normalised_text(nb), encoding="utf-8")


def refresh(notebooks_dir: Path, data_dir: Path | None = None) -> None:
    """Execute each notebook on the sample cohort and store its checked outputs."""
    import papermill as pm

    notebooks_dir = Path(notebooks_dir).resolve()
    data_dir = (data_dir or notebooks_dir.parent / "data" / "sample").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        for nb_path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb")):
            out = Path(tmp) / nb_path.name
            declared = set(pm.inspect_notebook(str(nb_path)))
            params = {k: v for k, v in {"data_dir": "../data/sample", "out_dir": str(Path(tmp) / "run")}.items() if k in declared}
            if data_dir != (notebooks_dir.parent / "data" / "sample").resolve():
                params["data_dir"] = str(data_dir)
            pm.execute_notebook(str(nb_path), str(out), parameters=params, cwd=str(notebooks_dir),
                                kernel_name="python3", progress_bar=False, log_output=False,
                                extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
            executed = nbformat.read(out, as_version=4)
            # drop papermill's injected-parameters cell: the committed notebook keeps its defaults
            executed.cells = [c for c in executed.cells if "injected-parameters" not in c.metadata.get("tags", [])]
            _write(nb_path, executed)


def check(notebooks_dir: Path) -> list[Path]:
    """Notebooks whose stored form is not the stripped form."""
    bad = []
    for nb_path in sorted(Path(notebooks_dir).glob("*.ipynb")):
        text = nb_path.read_text(encoding="utf-8")
        if normalised_text(nbformat.reads(text, as_version=4)) != text:
            bad.append(nb_path)
    return bad


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 2 or argv[0] not in {"refresh", "strip", "check"}:
        print("usage: python -m pilot_eval.report.notebook_outputs {refresh|strip|check} NOTEBOOKS_DIR", file=sys.stderr)
        return 2
    cmd, folder = argv[0], Path(argv[1])
    if cmd == "refresh":
        refresh(folder)
        return 0
    if cmd == "strip":
        for nb_path in sorted(folder.glob("*.ipynb")):
            _write(nb_path, nbformat.read(nb_path, as_version=4))
        return 0
    bad = check(folder)
    for p in bad:
        print(f"not stripped: {p} (run: python -m pilot_eval.report.notebook_outputs strip {folder})", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
