"""The answer where two or more sources answer (rag/answer/disagree.py read what each says): source by source, each
position in its holder's name, labelled by what it says about the question, with its own citations; where the
sources disagree, it says so first. No model: the positions' summaries are the documents' own sentences."""
from __future__ import annotations

import re

from rag.answer.compose import Composer, Request
from rag.model import Draft


class BothSides(Composer):
    def compose(self, request: Request) -> Draft:
        positions = request.positions
        quotes: dict[int, str] = {}
        parts = []
        if request.disagreement:
            values = [p.value for p in positions if p.value]
            if len(values) == len(positions):
                parts.append("**The sources disagree: they give " + " / ".join(f"“{v}”" for v in values) + ".**")
            else:
                parts.append("**The sources disagree on this.**")
        for pos in positions:
            when = f" ({pos.date})" if pos.date else ""
            label = f" {pos.says}" if pos.says and pos.says != "answers" else ""
            # the heading on a line of its own: the quoted sentences below it are the documents' words alone
            parts.append(f"**{pos.holder}**{when}{label}:\n{pos.summary}")
            for n in pos.citations:
                for sentence in re.findall(rf"([^\[\]]+?)\s*\[{n}\]", pos.summary):
                    quotes.setdefault(n, sentence.strip())
        return Draft(text="\n\n".join(parts), quotes=quotes, found=True)
