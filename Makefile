# One line per task; the scripts do the work.
VENV := .venv/bin
DEMO_DB := var/demo.db

.PHONY: setup demo test lint gazetteer eval bench web screenshot

setup:
	bash scripts/setup.sh

demo: setup gazetteer
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(VENV)/vigie ingest vigie/samples/ --db $(DEMO_DB)
	$(VENV)/vigie events --db $(DEMO_DB) --format table
	$(VENV)/vigie documents --db $(DEMO_DB)
	@echo "dashboard: http://127.0.0.1:8000/  (Ctrl-C to stop)"
	$(VENV)/vigie serve --db $(DEMO_DB) --port 8000

test: setup
	$(VENV)/ruff check vigie tests scripts
	$(VENV)/mypy
	$(VENV)/python -m pytest -q -p no:cacheprovider

lint: setup
	$(VENV)/ruff check vigie tests scripts
	$(VENV)/mypy

gazetteer: setup
	$(VENV)/python scripts/build_gazetteer.py

eval: setup
	$(VENV)/vigie eval eval/fr/ eval/fr/gold.jsonl
	$(VENV)/vigie eval ../shared/seed/ ../shared/seed/kazakhstan-2022-fr.gold.jsonl

bench: setup
	$(VENV)/vigie bench --lang fr --docs 2000

web:
	bash scripts/build_web.sh

screenshot: setup
	$(VENV)/python scripts/screenshot.py
