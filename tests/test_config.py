"""Settings (rag/config.py): one place, every field described, each read from RAG_<NAME>, listed by
`python -m rag settings`."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from rag.config import ROOT, Settings, describe


def test_every_setting_has_a_description():
    missing = [name for name, field in Settings.model_fields.items() if not (field.description or "").strip()]
    assert not missing


def test_settings_command_lists_each_variable_with_its_value_and_hides_the_key():
    env = {**os.environ, "RAG_TOP_K": "7", "RAG_LLM_API_KEY": "sk-secret-value", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "rag", "settings", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {r["env"]: r for r in map(json.loads, out.stdout.splitlines())}
    assert set(rows) == {f"RAG_{name.upper()}" for name in Settings.model_fields}
    assert rows["RAG_TOP_K"]["value"] == "7" and rows["RAG_TOP_K"]["description"]
    assert rows["RAG_LLM_API_KEY"]["value"] == "(set)" and "sk-secret-value" not in out.stdout


def test_describe_follows_the_settings_it_is_given():
    rows = {env: value for env, value, _ in describe(Settings(top_k=3, chroma_url=None))}
    assert rows["RAG_TOP_K"] == "3" and rows["RAG_CHROMA_URL"] == ""
