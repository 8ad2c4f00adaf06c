"""Markers <-> paragraphs. Every [n] in an answer must name evidence that was given; the answer's citations are
renumbered 1..m in order of first use and list only what the answer uses. `supported` checks that a sentence
is backed by the paragraph it cites; `check_model_answer` applies it, sentence by sentence, to what a model wrote."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from rag.model import Cited, EXTRACTIVE_FALLBACK, MARKER, Citation, Draft, Evidence, Position
from rag.nlp.text import INSTRUCTION, NEGATION, NUMBER, neutralise, numbers, sentences, stems, words


def markers(text: str) -> list[int]:
    return [int(n) for group in MARKER.findall(text) for n in group.split(",")]


def finalize(draft: Draft, evidence: list[Evidence], positions: list[Position] | None = None) -> Cited:
    """The one citation check, run by the chain on every composer's draft: a model's draft is checked sentence by
    sentence first (`check_model_draft`); then every marker must name given evidence, and the markers are
    renumbered in order of first use."""
    draft = check_model_draft(draft)
    by_n = {e.n: e for e in evidence}
    order: dict[int, int] = {}
    notes: list[str] = []
    for n in markers(draft.text):
        if n in by_n and n not in order:
            order[n] = len(order) + 1

    def renumber(match: re.Match) -> str:
        kept = [order[int(n)] for n in match.group(1).split(",") if int(n) in order]
        dropped = [n for n in match.group(1).split(",") if int(n) not in order]
        if dropped:
            notes.append(f"removed citation marker(s) naming no evidence: {', '.join(dropped)}")
        return "".join(f"[{k}]" for k in dict.fromkeys(kept))

    text = MARKER.sub(renumber, neutralise(draft.text))
    text = re.sub(r"[ \t]+\n", "\n", re.sub(r" {2,}", " ", text)).strip()
    citations = []
    for old, new in sorted(order.items(), key=lambda kv: kv[1]):
        e = by_n[old]
        p = e.paragraph
        citations.append(Citation(n=new, doc=p.doc_id, title=e.document.title, label=p.label, page=p.page,
                                  section=p.section, text=p.text, quote=draft.quotes.get(old), kind=p.kind,
                                  date=e.document.date, paragraph_id=p.id))
    renumbered = []
    for pos in positions or []:
        cites = [order[n] for n in pos.citations if n in order]
        summary = MARKER.sub(lambda m: "".join(f"[{order[int(n)]}]" for n in dict.fromkeys(m.group(1).split(","))
                                               if int(n) in order), pos.summary)
        summary = re.sub(r" {2,}", " ", summary).strip()
        renumbered.append(replace(pos, summary=summary, citations=cites))
    return Cited(draft, text, citations, renumbered, notes)


def _number(n: str) -> str:
    """'1,000' -> '1000', '45 per cent' -> '45', '$5 million' -> '5 million': numbers compared as values."""
    n = re.sub(r"^[$£€]", "", n.lower().strip())
    n = re.sub(r"\s*(%|percent|per cent)$", "", n)
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", n)


def _overlap(sentence_words: set[str], other: str) -> float:
    if not sentence_words:
        return 0.0
    return len(sentence_words & stems(other, acronyms=False)) / len(sentence_words)


def best_sentence(sentence: str, paragraph: str) -> tuple[str, float]:
    """The paragraph's sentence closest in words to `sentence`, and the share of `sentence`'s words it holds."""
    own = stems(MARKER.sub("", sentence), acronyms=False)
    scored = [(s, _overlap(own, s)) for s in sentences(paragraph)]
    return max(scored, key=lambda x: x[1], default=("", 0.0))


def supported(sentence: str, paragraph: str, context: str = "") -> bool:
    """Lexical support without a model: the sentence's numbers all appear in the paragraph (as values: '12' is
    not found in '120'), most of its content words (stemmed) do too, it adds no negation its closest paragraph
    sentence lacks, and it does not merely repeat an instruction a document slipped in ('ignore previous
    instructions ...'). `context` (the document's title, article, date) may supply the words and years of an
    attribution ("The 2018 submission states ...")."""
    return why_unsupported(sentence, paragraph, context) is None


def why_unsupported(sentence: str, paragraph: str, context: str = "") -> str | None:
    clean = MARKER.sub("", sentence)
    have_numbers = {_number(n) for n in numbers(f"{paragraph} {context}")}
    for number in numbers(clean):
        if _number(number) not in have_numbers:
            return f"the figure {number} is not in the cited paragraph"
    own = stems(NUMBER.sub(" ", clean), acronyms=False)  # figures were checked above, as values
    if not own:
        return None
    have = stems(NUMBER.sub(" ", f"{paragraph} {context}"), acronyms=False)
    if len(own & have) / len(own) < 0.6:
        return "most of its words are not in the cited paragraph"
    closest, share = best_sentence(clean, paragraph)
    if NEGATION.search(clean) and not any(NEGATION.search(s) for s in sentences(paragraph)
                                          if _overlap(own, s) >= 0.4):
        return "it negates what the cited paragraph says"
    if INSTRUCTION.search(clean) or (share >= 0.4 and INSTRUCTION.search(closest)):
        return "it repeats an instruction written into a document"
    return None


# ---------------------------------------------------------------- how well a citation supports its sentence
# Words a sentence may add around a verbatim quote without claiming anything: attribution and joining words.
# Negations are never among them (a quote with a "not" slipped in is not a quote).
ATTRIBUTION = set("""
according states state stated says say said notes note noted writes write wrote argues argue argued recommends
recommend recommended calls call called urges urge urged adds add added reports report reported finds find found
observes observe observed describes describe described warns warn warned concludes conclude concluded also
the a an that this of in on to for by as with and its their it is are was were be which who from at
""".split())
QUOTED, CLOSE, PARTIAL = "quoted", "close paraphrase", "partial"
CLOSE_SUPPORT = 0.7  # at or above: a close paraphrase; below: partial support


def _quoted_mask(own: list[str], paragraph_words: list[str], n: int = 4) -> list[bool]:
    """Which of the sentence's words lie in a run of at least `n` consecutive words found, in that order, in the
    paragraph (a sentence shorter than `n` words counts only when the paragraph holds it whole)."""
    k = min(n, len(own))
    if k == 0:
        return []
    grams = {tuple(paragraph_words[i:i + k]) for i in range(len(paragraph_words) - k + 1)}
    mask = [False] * len(own)
    for i in range(len(own) - k + 1):
        if tuple(own[i:i + k]) in grams:
            for j in range(i, i + k):
                mask[j] = True
    return mask


def _in_order(own: list[str], mask: list[bool], paragraph_words: list[str]) -> bool:
    """The sentence's quoted runs (maximal stretches of masked words) appear in the paragraph in the same order:
    fragments put back together differently are not a quote."""
    at, i = 0, 0
    while i < len(own):
        if not mask[i]:
            i += 1
            continue
        j = i
        while j < len(own) and mask[j]:
            j += 1
        run = own[i:j]
        found = next((k for k in range(at, len(paragraph_words) - len(run) + 1)
                      if paragraph_words[k:k + len(run)] == run), None)
        if found is None:
            return False
        at, i = found + len(run), j
    return True


def support(sentence: str, paragraph: str, context: str = "") -> float:
    """How well `paragraph` supports `sentence`, from 0 to 1, by the measures `why_unsupported` checks.

    1.0: the sentence quotes the paragraph word for word (in the paragraph's order, fragments joined by at most
    attribution and joining words); around the quote it adds only attribution (words of
    `context`, the document's title, article, date and ¶ label, and verbs like "states" or "recommends"). Below
    that: a paraphrase, scored as the mean of the share of the sentence's content words the paragraph holds, the
    share its closest sentence holds and the share of the sentence quoted verbatim, times the share of the
    sentence's figures the paragraph holds; a sentence the checker would reject scores below 0.5. Never 1.0 for
    a paraphrase (at most 0.95)."""
    clean = MARKER.sub("", sentence)
    own = words(clean, acronyms=False)
    if not own:
        return 0.0
    paragraph_words = words(paragraph, acronyms=False)
    mask = _quoted_mask(own, paragraph_words)
    reason = why_unsupported(clean, paragraph, context)
    allowed = ATTRIBUTION | set(words(context, acronyms=False))
    if (reason is None and any(mask) and all(q or (w in allowed and not NEGATION.fullmatch(w))
                                             for w, q in zip(own, mask)) and _in_order(own, mask, paragraph_words)):
        return 1.0
    figures = numbers(clean)
    have_numbers = {_number(x) for x in numbers(f"{paragraph} {context}")}
    figure_share = sum(_number(x) in have_numbers for x in figures) / len(figures) if figures else 1.0
    content = stems(NUMBER.sub(" ", clean), acronyms=False)
    have = stems(NUMBER.sub(" ", f"{paragraph} {context}"), acronyms=False)
    whole = len(content & have) / len(content) if content else 1.0
    closest = best_sentence(clean, paragraph)[1] if content else 1.0
    verbatim = sum(mask) / len(mask)
    score = (whole + closest + verbatim) / 3 * figure_share
    if reason is not None:  # the checker rejects it: below half; a negation or an injected instruction, near 0
        score = min(score, 0.1 if ("negates" in reason or "instruction" in reason) else 0.45)
    return round(min(score, 0.95), 3)


def describe_support(score: float | None) -> str:
    """A support score in words a reader understands: "quoted", "close paraphrase" or "partial" ("" if unknown)."""
    if score is None:
        return ""
    if score >= 0.999:
        return QUOTED
    return CLOSE if score >= CLOSE_SUPPORT else PARTIAL


def citing_sentences(text: str) -> list[tuple[str, list[int]]]:
    """An answer's sentences that cite, with the numbers each cites (markers written after a full stop belong to
    the sentence before them); list bullets and Markdown emphasis are left out."""
    out = []
    for line in (text or "").split("\n"):
        body = LIST_ITEM.sub("", re.sub(r"^\s*#{1,6}\s+", "", line))
        for sentence in model_sentences(body.replace("**", "").replace("*", "")):
            cited = list(dict.fromkeys(markers(sentence)))
            if cited:
                out.append((sentence, cited))
    return out


def set_support(text: str, citations: list[Citation], evidence: list[Evidence] = (),
                attributions: list[str] = ()) -> None:
    """Set each citation's `support`: the best score among the answer's sentences that cite it (each scored
    against that citation's paragraph alone, with its introduction where it has one). `attributions` are names
    the answer may attribute a quote to besides the document's own (e.g. the holders of the positions)."""
    intro = {e.paragraph.id: e.paragraph.context or "" for e in evidence}
    by_n = {c.n: c for c in citations}
    best: dict[int, float] = {}
    for sentence, cited in citing_sentences(text):
        for n in cited:
            c = by_n.get(n)
            if c is None:
                continue
            context = " ".join(x for x in (c.title, c.section or "", c.date or "", c.label, *attributions) if x)
            paragraph = f"{intro.get(c.paragraph_id, '')} {c.text}".strip()
            best[n] = max(best.get(n, 0.0), support(sentence, paragraph, context))
    for c in citations:
        c.support = best.get(c.n, 0.0)


# ---------------------------------------------------------------- model-written answers
ALIAS = re.compile(r"\[(?:evidence|block|source|doc(?:ument)?|ref)\s*#?\s*(\d{1,3})\]", re.I)
URL = re.compile(r"(?:https?|ftp)://[^\s<>()\[\]\"']+|\bwww\.[^\s<>()\[\]\"']+", re.I)
DELIMITER = re.compile(r"<{2,}\s*(?:END OF\s+)?EVIDENCE\s*\[?(\d{1,3})?\]?\s*>*|<{2,}[^<>\n]*>+|<+[^<>\n]*>{2,}", re.I)
LIST_ITEM = re.compile(r"^(\s*(?:[-*+•]|\d{1,2}[.)])\s+)")
MIN_KEPT_SHARE = 1 / 3  # fewer of the model's sentences surviving than this: its answer is not used


@dataclass
class Checked:
    """A model's answer after the citation check."""

    text: str  # the sentences that survived, markers as the model numbered them
    quotes: dict[int, str] = field(default_factory=dict)  # model's n -> the cited paragraph's closest sentence
    kept: int = 0
    dropped: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """Enough survived to show: at least one supported, cited sentence, and at least a third of them."""
        return self.kept > 0 and self.kept >= MIN_KEPT_SHARE * (self.kept + self.dropped)


def _short(text: str, limit: int = 100) -> str:
    text = re.sub(r"\s+", " ", neutralise(MARKER.sub("", text))).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _links(sentence: str, allowed: str, notes: list[str]) -> str:
    """Markdown links and bare URLs: kept as plain 'words (url)' only where the URL is in the cited paragraphs."""
    def link(m: re.Match) -> str:
        words_, url = m.group(1), m.group(2).strip().split(" ")[0].strip("<>")
        if url and url in allowed:
            return f"{words_} ({url})"
        notes.append(f"removed a link to {_short(url, 60)}: it is not in the cited paragraphs")
        return words_

    sentence = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", link, sentence)

    def bare(m: re.Match) -> str:
        url = m.group(0).rstrip(".,;:")
        if url in allowed:
            return m.group(0)
        notes.append(f"removed a link to {_short(url, 60)}: it is not in the cited paragraphs")
        return m.group(0)[len(url):]

    return URL.sub(bare, sentence)


def model_sentences(text: str) -> list[str]:
    """A model's line split into sentences (the one splitter, rag/nlp/text.py, in any case: models do not always start
    the next sentence with a capital); markers written after the full stop ('... cut. [2]') belong to the sentence
    before them."""
    out: list[str] = []
    for part in sentences(text, any_case=True):
        lead = re.match(r"^((?:\[[\d,\s]+\]\s*)+)(.*)$", part)
        if lead and out:
            out[-1] = f"{out[-1]} {lead.group(1).strip()}"
            part = lead.group(2)
        if part.strip():
            out.append(part.strip())
    return out


def _plain(sentence: str) -> str:
    """The words of a sentence as a reader reads them: links reduced to their words, bare URLs left out."""
    return URL.sub(" ", re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", sentence))


def check_model_answer(text: str, evidence: list[Evidence]) -> Checked:
    """Check a model's answer sentence by sentence against the evidence it was given (numbered as the model saw it).

    A marker naming no evidence is removed; a sentence left with no marker is dropped; a sentence its cited
    paragraphs do not support (`why_unsupported`) is dropped; images and HTML are removed, and links are kept only
    where the cited paragraphs hold their URL. `notes` says what was removed and why."""
    by_n = {e.n: e for e in evidence}
    out = Checked(text="")
    text = ALIAS.sub(r"[\1]", (text or "").replace("\r", ""))
    invented: list[str] = []
    for m in DELIMITER.finditer(text):  # a block the model wrote itself ('<<<EVIDENCE [5]>>>' of 4) is invented
        if m.group(1) and int(m.group(1)) not in by_n:
            invented.append(m.group(1))
    text = DELIMITER.sub("", text)  # echoed evidence-block delimiters are not markup: removed without a note
    # images and HTML go first, wherever they are (the link step below needs the links intact)
    cleaned = neutralise(text, links=False)
    if cleaned != text:
        out.notes.append("removed images or HTML from the model's answer")
    lines_out: list[str] = []
    for line in cleaned.split("\n"):
        if not line.strip():
            if lines_out and lines_out[-1] != "":
                lines_out.append("")
            continue
        body = re.sub(r"^\s*#{1,6}\s+", "", line)
        m = LIST_ITEM.match(body)
        prefix = "- " if m else ""
        body = body[m.end():] if m else body
        kept_here: list[str] = []
        for sentence in model_sentences(re.sub(r"[ \t]+", " ", body)):
            def keep_valid(m: re.Match) -> str:
                nums = [n.strip() for n in m.group(1).split(",")]
                bad = [n for n in nums if int(n) not in by_n]
                invented.extend(bad)
                return "".join(f"[{n}]" for n in nums if int(n) in by_n)

            sentence = MARKER.sub(keep_valid, sentence)
            cited = list(dict.fromkeys(markers(sentence)))
            if not words(MARKER.sub("", _plain(sentence))):
                continue  # a lone marker or '…': nothing to say
            if not cited:
                out.dropped += 1
                out.notes.append(f"dropped a sentence with no citation: “{_short(sentence)}”")
                continue
            paragraphs = " ".join(f"{by_n[n].paragraph.context or ''} {by_n[n].paragraph.text}" for n in cited)
            context = " ".join(f"{by_n[n].document.title} {by_n[n].paragraph.section or ''} "
                               f"{by_n[n].document.date or ''}" for n in cited)
            reason = why_unsupported(_plain(sentence), paragraphs, context)
            if reason:
                out.dropped += 1
                refs = "".join(f"[{n}]" for n in cited)
                out.notes.append(f"dropped a sentence its citation {refs} does not support ({reason}): "
                                 f"“{_short(sentence)}”")
                continue
            sentence = _links(sentence, paragraphs, out.notes)
            for n in cited:
                out.quotes.setdefault(n, best_sentence(_plain(sentence), by_n[n].paragraph.text)[0])
            out.kept += 1
            kept_here.append(sentence.strip())
        if kept_here:
            lines_out.append(prefix + " ".join(kept_here))
    if invented:
        out.notes.insert(0, "removed citation marker(s) naming no evidence: "
                         + ", ".join(f"[{n}]" for n in dict.fromkeys(invented)))
    out.text = "\n".join(lines_out).strip()
    return out


def check_model_draft(draft: Draft) -> Draft:
    """A model's draft (`draft.unchecked`) checked sentence by sentence against the evidence it was given and its
    markers renumbered to the evidence's own numbers; or, when too little survives, `draft.fallback` (the
    extractive answer) with notes saying why. Any other draft is returned as it is."""
    if draft.unchecked is None:
        return draft
    fallback = draft.fallback
    checked = check_model_answer(draft.text, draft.unchecked)
    if not checked.usable:
        why = (f"{checked.dropped} of {checked.kept + checked.dropped} sentences uncited or unsupported"
               if checked.kept + checked.dropped else "no sentence with a citation")
        note = f"The model's answer did not pass the citation check ({why}); {EXTRACTIVE_FALLBACK}"
        return replace(fallback, notes=[*fallback.notes, *draft.notes, note, *checked.notes])
    original = draft.numbering
    text = MARKER.sub(lambda m: "".join(f"[{original[int(n)]}]" for n in m.group(1).split(",")), checked.text)
    if draft.heading:
        text = f"{draft.heading}\n\n{text}"
    quotes = {original[n]: q for n, q in checked.quotes.items()}
    return Draft(text=text, quotes=quotes, found=True, composer=draft.composer, notes=[*draft.notes, *checked.notes])
