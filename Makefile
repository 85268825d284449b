# attain — the two commands first: `make reports`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= 2

.DEFAULT_GOAL := help
.PHONY: help reports test lab sample validate fonts browser clean bench

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (attain)" >/dev/null
	@touch $(STAMP)

# Charts label axes in Chinese and need a CJK font ("Noto Sans CJK SC"): installed with
# apt-get when running as root, otherwise the command says what to install.
fonts: ## make sure a Chinese font for the charts is installed
	@if fc-list 2>/dev/null | grep -q "Noto Sans CJK SC"; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing fonts-noto-cjk (Chinese font for the charts)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; } || exit 1; \
	  rm -rf "$$HOME/.cache/matplotlib"; \
	else \
	  echo "No Chinese font found: install one (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk;" >&2; \
	  echo "macOS: brew install --cask font-noto-sans-cjk-sc), then run make again." >&2; exit 1; \
	fi

# The HTML reports are tested in a real browser: Debian's chromium (apt-get as root).
browser: ## make sure chromium is installed (for the browser tests)
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium (the tests open the reports in a real browser)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || exit 1; \
	else \
	  echo "chromium is missing: install it (Debian/Ubuntu: sudo apt-get install chromium) and run make again." >&2; exit 1; \
	fi

sample: $(STAMP) ## generate data/sample if it is missing
	$(BIN)/attain sample --if-missing

validate: sample ## check data/sample against the data contract
	$(BIN)/attain validate

reports: $(STAMP) fonts sample ## render every notebook to HTML under reports/
	$(BIN)/attain run all

test: $(STAMP) fonts browser sample airflow ## run the whole test suite
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile -q --nbval-lax --nbval-kernel-name python3 tests notebooks

# The Airflow DAG (dags/) is tested with a real Airflow kept in its own virtualenv: Airflow's pins
# clash with the workbench's, so it never goes into .venv. Installed once (stamp file).
AIRFLOW_VENV  := .venv-airflow
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.installed-stamp
AIRFLOW_SPEC  ?= apache-airflow==3.3.*

.PHONY: airflow
airflow: $(AIRFLOW_STAMP) ## install Apache Airflow in .venv-airflow (tests the DAG)

$(AIRFLOW_STAMP):
	@test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet "$(AIRFLOW_SPEC)" pyyaml pydantic
	@touch $@

lab: $(STAMP) fonts sample ## open JupyterLab on notebooks/
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

# Benchmarks are not timed tests: `make bench` measures the scale goals (issue 8) on this machine, prints a
# table and writes bench/results.json. Generates 10 M / 1 M-order data in bench/.data/ once (reused after).
bench: $(STAMP) fonts sample ## measure speed and memory goals (table + bench/results.json)
	$(BIN)/python bench/run.py

clean: ## remove generated reports (keeps data and .venv)
	rm -rf reports
