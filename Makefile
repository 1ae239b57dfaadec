# pilot-eval: two commands for everyone (see README.md)
#   make report   - build .venv, install, write reports/sample/ from data/sample/
#   make test     - what CI runs first (unit, reference, pipeline tests + nbval); make help for the rest

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DATA   ?= data/sample
OUT    ?= reports/sample

# Python may keep compiled modules (__pycache__, git-ignored): every pytest worker, notebook kernel
# and command of a run then compiles the project and the rewritten tests once, not each time
# (a machine that sets PYTHONDONTWRITEBYTECODE otherwise recompiles them in every process).
unexport PYTHONDONTWRITEBYTECODE
# Test runs: one BLAS / OpenMP thread per process.  Two pytest workers, the shared report's
# kernel and each worker's kernels already fill both cores; NumPy's default of one thread per core
# in every one of them oversubscribes the machine (threads spin, waiting for a core).
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# -p early_imports (tests/early_imports.py) is loaded before pytest's plugins: see that file.
PYTEST := $(TEST_ENV) PYTHONPATH=tests $(BIN)/python -m pytest -p early_imports

.PHONY: all install report test typecheck test-fast test-scenarios lab sample notebooks-refresh bench bench-decision clean help

help:
	@echo "make report   write $(OUT)/ from $(DATA)/ (creates .venv on first use)"
	@echo "make report DATA=path/to/cohort OUT=reports/my-pilot P=\"min_group_size=8\"  your own cohort"
	@echo "make test     what CI checks first: layer contract, every test but the scenario suites, the"
	@echo "              notebooks (nbval); both cores, under 5 minutes on 2 cores; prints its duration"
	@echo "make typecheck  mypy on src/ (CI runs it after make test)"
	@echo "make test-fast  unit and reference tests: no test marked slow (report runs, browsers, notebooks)"
	@echo "              or scenario; under 90 seconds"
	@echo "make test-scenarios  whole-report scenarios CI runs after make test: degenerate cohorts, privacy"
	@echo "              attack, faults, report variants, a second full run, the full PDF, every notebook by"
	@echo "              papermill from the root"
	@echo "one test file / one test:  .venv/bin/python -m pytest tests/test_icc.py  (-k name for one test)"
	@echo "one step's notebook:  .venv/bin/papermill notebooks/02_reliability.ipynb /tmp/02.ipynb -p data_dir data/sample"
	@echo "make lab      open JupyterLab on notebooks/"
	@echo "make sample   regenerate data/sample/ with the synthetic generator"
	@echo "make notebooks-refresh  re-run notebooks and store their checked outputs (nbval)"
	@echo "make bench    time the report and the statistics (benchmarks/)"
	@echo "make bench-decision  error rates of the scale / iterate / stop rule on simulated cohorts"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (pilot-eval)" > /dev/null
	touch $(STAMP)

install: $(STAMP)

report: $(STAMP)
	$(BIN)/pilot-eval report $(DATA) --out $(OUT) $(foreach p,$(P),-p $(p))

# test-fast = not slow and not scenario; test = not scenario (slow included); test-scenarios = scenario.
# A test that builds a report, starts a browser or a kernel, or runs longer than ~10 s is marked slow.
# --dist loadfile: the cells of a notebook share one kernel, so each file stays on one worker.
test: $(STAMP)
	@start=$$(date +%s); \
	$(BIN)/lint-imports --no-cache || exit 1; \
	$(PYTEST) tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider -n 2 --dist loadfile -m "not scenario"; \
	rc=$$?; echo "make test: $$(( $$(date +%s) - start )) s"; exit $$rc

# mypy on src/ (about 50 s of CPU on a cold cache): CI runs it after make test.
typecheck: $(STAMP)
	@start=$$(date +%s); $(TEST_ENV) $(BIN)/mypy src; rc=$$?; \
	echo "make typecheck: $$(( $$(date +%s) - start )) s"; exit $$rc

test-scenarios: $(STAMP)
	@start=$$(date +%s); \
	$(PYTEST) tests -p no:cacheprovider -n 2 -m scenario; \
	rc=$$?; echo "make test-scenarios: $$(( $$(date +%s) - start )) s"; exit $$rc

test-fast: $(STAMP)
	@start=$$(date +%s); \
	$(PYTEST) tests -m "not slow and not scenario" -p no:cacheprovider -p no:nbval -n 2; \
	rc=$$?; echo "make test-fast: $$(( $$(date +%s) - start )) s"; exit $$rc

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

sample: $(STAMP)
	rm -rf $(DATA).new && $(BIN)/pilot-eval synth $(DATA).new --pilot 45 --comparison 60 --seed 20260105
	cp $(DATA)/README.md $(DATA).new/README.md && rm -rf $(DATA) && mv $(DATA).new $(DATA)

notebooks-refresh: $(STAMP)
	$(BIN)/python -m pilot_eval.report.notebook_outputs refresh notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/run_benchmarks.py

bench-decision: $(STAMP)
	$(BIN)/python benchmarks/decision/run.py

clean:
	rm -rf $(VENV) reports/sample reports/notebook-run .pytest_cache
