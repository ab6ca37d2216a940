# The two commands of the README: `make demo` and `make test`. Both set everything up first.
.PHONY: setup demo test bench

setup: .venv/.installed

.venv/.installed: pyproject.toml scripts/setup
	bash scripts/setup
	touch $@

demo: setup
	.venv/bin/track4tip demo

test: setup
	bash scripts/test

bench: setup
	.venv/bin/python bench/bench_embedded_index.py
