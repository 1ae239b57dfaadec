# pilot-eval: two commands for everyone (see README.md)
#   make report   - build .venv, install, write reports/sample/ from data/sample/
#   make test     - everything CI runs (unit, reference, pipeline tests + nbval)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DATA   ?= data/sample
OUT    ?= reports/sample

.PHONY: all install report test test-fast test-scenarios lab sample notebooks-refresh bench bench-decision clean help

help:
	@echo "make report   write $(OUT)/ from $(DATA)/ (creates .venv on first use)"
	@echo "make test     layer contract, types and every test but the scenario suites (both cores, about 10 minutes)"
	@echo "make test-fast  unit and reference tests only, no full report runs (about a minute)"
	@echo "make test-scenarios  whole reports of the degenerate-cohort corpus, the privacy attack, faults (CI runs it too)"
	@echo "make report DATA=path/to/cohort OUT=reports/my-pilot P=\"min_group_size=8\"  your own cohort"
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

test: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy src
	$(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider -n 2 -m "not scenario"

test-scenarios: $(STAMP)
	$(BIN)/python -m pytest tests -p no:cacheprovider -n 2 -m scenario

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow" -p no:cacheprovider -n 2

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
