# The two commands of the README's Quick start: `make run` and `make test`.
# Both install what they need first (tools/setup.sh).
.PHONY: setup run test test-fast lint
VENV := .venv/bin

setup:
	@tools/setup.sh

run: setup
	$(VENV)/afterbeep serve

lint: setup
	$(VENV)/ruff check src tests benchmarks
	$(VENV)/ruff format --check src tests benchmarks
	$(VENV)/mypy

test-fast: setup
	$(VENV)/pytest -n 2 -m "not slow"

# The whole suite: lint and types, the fast tests, then the slow ones.
test: lint
	$(VENV)/pytest -n 2 -m "not slow"
	$(VENV)/pytest -m slow
