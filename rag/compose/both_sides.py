"""The answer when the sources disagree (rag/disagree.py found the positions): it says so first, then each
position in its holder's name, with its own citations. No model: the positions' summaries are the documents' own
sentences."""
from __future__ import annotations

import re

from rag.compose import Composer, Request
from rag.model import Draft


class BothSides(Composer):
    def compose(self, request: Request) -> Draft:
        positions = request.positions
        quotes: dict[int, str] = {}
        values = [p.value for p in positions if p.value]
        if len(values) == len(positions):
            parts = ["**The sources disagree: they give " + " / ".join(f"“{v}”" for v in values) + ".**"]
        else:
            parts = ["**The sources disagree on this.**"]
        for pos in positions:
            when = f" ({pos.date})" if pos.date else ""
            parts.append(f"**{pos.holder}**{when}: {pos.summary}")
            for n in pos.citations:
                for sentence in re.findall(rf"([^\[\]]+?)\s*\[{n}\]", pos.summary):
                    quotes.setdefault(n, sentence.strip())
        return Draft(text="\n\n".join(parts), quotes=quotes, found=True)
