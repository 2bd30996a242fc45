"""tests/bench holds benchmarks, not tests: keep pytest from collecting any module here."""

collect_ignore_glob = ["*.py"]
