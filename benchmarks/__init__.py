"""Benchmarks and the load test: scripts run by `make bench` and `make load`, never by pytest.

Each benchmark measures its contenders side by side in one run -- interleaved rounds, medians -- and
prints their ratio, because these machines are too noisy for a number measured alone to mean much.
docs/developing.md ("Performance") lists them, the targets and the last measured numbers.
"""
