# The Python binding's benchmark (issue 18's Python rows). Included from the root Makefile, run
# from the repository root.
#   make bench-python   verify and typed events from Python, with their references measured in
#                       the same run (stdlib hmac, the core's verify_at, pydantic v2, json.loads,
#                       orjson); pydantic and orjson are installed here, not by `make test`.

.PHONY: bench-python

bench-python: build-python
	@$(PYTHON) -c 'import pydantic, orjson' 2>/dev/null || $(PYTHON) -m pip install --quiet 'pydantic>=2' orjson
	$(PYTHON) bindings/python/bench/bench_bindings.py
