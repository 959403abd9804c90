"""bench/run_all.py keeps working: a quick run on a small demo database writes the report's own sections."""
from __future__ import annotations

import re

import pytest

from bench import run_all
from tests.load import run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def test_run_all_writes_framework_overhead_survey_and_profile(tmp_path):
    """bench.cache has its own test (tests/unit/test_cache.py covers what it measures); here the
    figures run_all measures itself."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    run.generate(url, 600)
    report = tmp_path / "REPORT.md"
    assert run_all.main(["--database-url", url, "--quick", "--only", "framework,survey",
                         "--report", str(report)]) == 0
    text = report.read_text()
    trivial = re.search(r"\| trivial callback [^|]*\| ([\d.]+) \|", text)
    paging = re.search(r"\| queue paging: first 100 rows \| ([\d.]+) \|.*\| ([\d.]+)× \| ([\d.]+)× \|", text)
    assert trivial and paging and float(trivial.group(1)) > 0
    assert "Slowest: **" in text and "pyinstrument" in text and "Profile at" in text
    assert "| analytics: summary (30 days) |" in text and "| open page: order |" in text
