"""Composers turn numbered evidence into answer text with [n] markers.

extractive.py (default, no model) picks the documents' own sentences; llm.py (optional) asks an
OpenAI-compatible model. Both return a Draft; cite.py turns a Draft into checked Citations.
"""
from __future__ import annotations

from rag.model import Draft, Evidence  # noqa: F401  (the types live at the bottom layer)
