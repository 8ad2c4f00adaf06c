"""bench/scale.py runs end to end on a small store (real ingest, real answers, the real app) and reports its keys."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

KEYS = {"paragraphs", "ingest_s", "bare_s", "ingest_vs_bare", "p50_ms", "p95_ms", "bundled_p95_ms", "rss_mb",
        "cold_start_s", "embed_backend"}


@pytest.mark.slow
@pytest.mark.timeout(260)
def test_scale_bench_reports_its_keys_and_measures_a_kept_store_again(tmp_path):
    work = ["--dir", str(tmp_path / "work")]
    args = ["bench/scale.py", "--paragraphs", "300", "--rounds", "1", "--bare-max", "100", "--json", *work]
    done = run_cli(args, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    table, last = done.stdout.strip().rsplit("\n", 1)
    result = json.loads(last)
    assert KEYS <= set(result), KEYS - set(result)
    assert result["paragraphs"] >= 300 and result["ingest_s"] > 0 and result["bare_s"] > 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] and result["bundled_p95_ms"] > 0
    assert result["rss_mb"] > 100 and result["cold_start_s"] > 0
    assert result["index_s"] > 0 and result["reused_store"] is False
    assert "| ingest / bare" in table and "embedding 300/" in done.stderr  # the table, and progress on stderr
    assert list((tmp_path / "work" / "big" / "store").glob("lexicon-*.npz"))  # the index was made and kept

    again = run_cli([*args, "--reuse"], timeout=120)  # the same store measured again, not ingested again
    assert again.returncode == 0, again.stderr[-2000:]
    second = json.loads(again.stdout.strip().rsplit("\n", 1)[1])
    assert second["reused_store"] is True and "reusing the store of 300 generated paragraphs" in again.stderr
    assert "embedding 300/" not in again.stderr
    assert {k: second[k] for k in ("paragraphs", "ingest_s", "bare_s", "index_s")} == \
        {k: result[k] for k in ("paragraphs", "ingest_s", "bare_s", "index_s")}
    assert 0 < second["p50_ms"] <= second["p95_ms"] and second["cold_start_s"] > 0
