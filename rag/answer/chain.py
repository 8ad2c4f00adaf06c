"""The pipeline as one LangChain runnable: check -> resolve follow-up -> retrieve -> write, where `write` reads the
evidence, finds the positions, composes, runs the citation check and yields the answer's text, then the Answer.

`Assistant.chain` is that LCEL Runnable (input: {"question", "history", "doc_ids"}): its `.stream()` yields the text
as it is written and then the Answer; its `.invoke()` returns the Answer. `Assistant.ask()` and
`Assistant.stream()` are those two calls, for the CLI and the app; there is no other way through.

With `RAG_LLM_BASE_URL` set, the answer is written by the model (rag/answer/compose/llm.py) and checked (rag/answer/cite.py);
the extractive (or both-sides) answer is always composed too, as the fallback.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain_core.runnables import RunnableGenerator, RunnableLambda

from rag.answer.cite import finalize, set_support
from rag.answer.compose import Request
from rag.answer.compose.both_sides import BothSides
from rag.answer.compose.extractive import Extractive
from rag.config import Settings, get_settings
from rag.answer.disagree import as_claim, find_positions, is_judgement
from rag.answer.follow_ups import suggest as suggest_follow_ups
from rag.model import Answer, Draft, Evidence, Position
from rag.nlp.question import named_labels, read, refers_back, respelled, spelling_index
from rag.answer.reader import load_reader
from rag.answer.reading import Fitted, Reading, load_fitted, read_evidence
from rag.answer.retrieve import Retriever
from rag.store import Store
from rag.nlp.text import INSTRUCTION, stem, topic_words, words

@dataclass
class Turn:
    """One question on its way through the pipeline."""

    question: str
    history: list[tuple[str, str]] = field(default_factory=list)
    doc_ids: list[str] | None = None
    query: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    draft: Draft | None = None
    reading: Reading | None = None  # every sentence of the evidence scored, and whether they answer at all
    positions: list[Position] = field(default_factory=list)
    disagreement: bool = False
    follow_ups: bool = True  # suggest next questions with the answer
    problem: str | None = None  # the question can't be asked as it is: say why
    model_down: str | None = None  # the model server failed earlier in this turn: the note to give
    timings: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


class Assistant:
    def __init__(self, settings: Settings | None = None, store: Store | None = None):
        self.settings = settings or get_settings()
        self.store = store or Store(self.settings)
        self.retriever = Retriever(self.store)
        self._spellings: tuple = (None, {})  # (the lexicon it was built from, spelling_index of its words)
        self._llm = None
        threads = self.settings.reader_threads or None
        self.reader = load_reader(self.settings.reader_model, threads)  # stops here if it can't be used
        self.sides = load_reader(self.settings.sides_model, threads)  # the same model, unless another is set
        self.extractive = Extractive(self.settings.answer_max_sentences, self.settings.answer_max_items)
        self.both_sides = BothSides()
        self.chain = (RunnableLambda(self.check) | RunnableLambda(self.resolve) | RunnableLambda(self.retrieve)
                      | RunnableGenerator(self.write))

    def ask(self, question: str, history: list[tuple[str, str]] | None = None,
            doc_ids: list[str] | None = None, follow_ups: bool = True) -> Answer:
        """The checked Answer. `follow_ups=False`: without suggested next questions (the app asks for them after
        showing the answer: `suggest`)."""
        return self.chain.invoke({"question": question, "history": history or [], "doc_ids": doc_ids,
                                  "follow_ups": follow_ups})

    def stream(self, question: str, history: list[tuple[str, str]] | None = None,
               doc_ids: list[str] | None = None) -> Iterator[str | Answer]:
        """Yield str chunks of the answer as it is written, then, last and exactly once, the checked Answer.

        Append the chunks to show the answer growing; when the Answer arrives, show `Answer.answer` in their
        place: it is the checked text (uncited or unsupported sentences removed, markers renumbered to match
        `Answer.citations`), or the extractive answer if the model failed (see `Answer.composer`, `.notes`).
        The chunks are plain text (no images, HTML or links) with the model's own [n] numbering. With the
        extractive composer, the whole text comes as one chunk."""
        return self.chain.stream({"question": question, "history": history or [], "doc_ids": doc_ids})

    @property
    def llm(self):
        """The model composer when a model server is configured (RAG_LLM_BASE_URL), else None."""
        if self._llm is None and self.settings.llm_base_url:
            from rag.answer.compose.llm import LLMComposer

            self._llm = LLMComposer(self.settings)
        return self._llm

    # ------------------------------------------------------------------ steps
    def check(self, inputs: dict) -> Turn:
        raw = inputs.get("question") or ""
        turn = Turn(question=raw, history=list(inputs.get("history") or []), doc_ids=inputs.get("doc_ids"),
                    follow_ups=inputs.get("follow_ups", True))
        text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]", " ", raw)
        text = re.sub(r"\s+", " ", text).strip()
        if not text:
            turn.problem = "Please type a question."
        elif len(text) > self.settings.max_question_chars:
            turn.problem = (f"That question is {len(text):,} characters long; the limit is "
                            f"{self.settings.max_question_chars:,}. Please ask it in a sentence or two.")
        elif not words(text):
            turn.problem = "I could not find any words in that question. Please ask it in plain English."
        elif INSTRUCTION.search(text):
            turn.problem = ("That reads as an instruction to the assistant, not a question about the documents. I "
                            "only answer from the documents, with citations: please ask what they say.")
        elif not turn.history and not topic_words(text):  # "What do they recommend about it?", nothing before it
            turn.problem = ("I can't tell what that question is about: it names no subject, and there is no earlier "
                            "question for words like 'it' or 'they' to refer to. Please say what you are asking "
                            "about.")
        turn.question = text if not turn.problem else raw[:200]
        return turn

    def resolve(self, turn: Turn) -> Turn:
        """A follow-up ('and what do they recommend about it?') borrows the topic of the previous question."""
        turn.query = turn.question
        if turn.problem or not turn.history:
            return turn
        previous = turn.history[-1][0]
        own = topic_words(turn.question)
        if refers_back(turn.question) or len(own) <= 2:
            if self.llm is not None:  # the model rewrites it to stand alone, if it can do so faithfully
                from rag.answer.compose.llm import ModelUnavailable, unavailable_note

                try:
                    rewritten = self.llm.rewrite(turn.question, turn.history)
                except ModelUnavailable as exc:
                    rewritten, turn.model_down = None, unavailable_note(self.settings, exc.reason)
                if rewritten:
                    turn.query = rewritten
                    return turn
            borrowed = [w for w in topic_words(previous) if stem(w) not in {stem(o) for o in own}]
            if borrowed:
                turn.query = f"{turn.question} ({' '.join(borrowed)})"
        return turn

    def retrieve(self, turn: Turn) -> Turn:
        if turn.problem:
            return turn
        t0 = time.perf_counter()
        turn.evidence = self.retriever.retrieve(turn.query, turn.doc_ids)
        turn.timings["retrieve"] = round((time.perf_counter() - t0) * 1000, 1)
        return turn

    def write(self, turns: Iterator[Turn]) -> Iterator[str | Answer]:
        """The last, streaming step: for each turn, the answer's text as it is written, then the Answer (with the
        extractive composers, which write in one go, the checked text as one chunk)."""
        for turn in turns:
            streamed = False
            for chunk in self.compose(turn):
                streamed = True
                yield chunk
            answer = self.finish(turn)
            if not streamed:
                yield answer.answer
            yield answer

    def compose(self, turn: Turn) -> Iterator[str]:
        """Read the evidence, find the positions, and set turn.draft from the composer that fits: both sides when
        the sources disagree, else extractive; the model, when there is one, with that draft as its fallback.
        Yields the model's text chunks as they come (nothing from the extractive composers)."""
        if turn.problem:
            turn.draft = Draft(text=turn.problem, found=False)
            return
        t0 = time.perf_counter()
        turn.reading = reading = self.reading(turn.query, turn.evidence)
        if reading.found:
            turn.disagreement, turn.positions, _ = find_positions(reading, self.sides, load_fitted().extra)
        request = Request(turn.query, turn.evidence, reading, turn.positions, turn.disagreement)
        turn.draft = (self.both_sides if len(turn.positions) > 1 else self.extractive).compose(request)
        if self.llm is not None and reading.found:  # the model writes; the draft above is the fallback
            if turn.model_down:
                turn.draft.notes.append(turn.model_down)
            else:
                request.fallback = turn.draft
                turn.draft = yield from self.llm.stream(request)
        elif self.llm is not None:
            turn.draft.notes.append("The model was not asked: the documents do not answer this question.")
        turn.timings["compose"] = round((time.perf_counter() - t0) * 1000, 1)

    def reading(self, query: str, evidence: list[Evidence], pairs: int | None = None, fitted: Fitted | None = None,
                known=None) -> Reading:
        """Every sentence of the evidence scored for the question, and whether they answer it (rag/answer/reading.py):
        the answer, the suggested follow-ups and `python -m rag fit` read the evidence the same way. A question that
        names paragraphs by their numbers ("What does recommendation 98.4 ask?") is read from those, and they answer
        it. `fitted` and `known` (a stem -> whether the library has it) stand in for the fitted file and the
        library's words where the fit needs others."""
        lexicon = self.retriever.lexicon()
        known = known or (lambda term: term in lexicon.df)
        question = self.question(query, known)
        labels = set(named_labels(query))
        named = [e for e in evidence if e.paragraph.label in labels]
        reading = read_evidence(question, named or evidence, lexicon.idf, known, self.reader,
                                pairs or self.settings.reader_pairs, fitted or load_fitted(), asked=query)
        reading.uses = lexicon.uses
        if named or (not reading.found and self.speaks_to_claim(reading)):
            reading.answerable = max(reading.answerable, reading.threshold)
        return reading

    def speaks_to_claim(self, reading: Reading, read: int = 6) -> bool:
        """Whether a question of judgement ("Should the old harbour stay open?") is answered by a sentence that
        takes a side on it: the question read as a claim against the best `read` sentences, by the stance head's
        1 - P(neither), at the line fitted on held-apart Perspectrum (`python -m rag fit sides`). The reader's own
        answerability is fitted on SQuAD, which asks no such questions; an argument ("Closing the harbour would ruin
        the fishing families") answers them."""
        line = load_fitted().extra.get("on_topic")
        top = reading.read[:read]
        if line is None or not top or not is_judgement(reading):
            return False
        claim = as_claim(reading.question.text)
        return any(1.0 - float(r.stance[2]) >= line for r in self.sides.read([claim] * len(top),
                                                                              [c.sentence for c in top]))

    def follow_ups(self, turn: Turn, answer: Answer) -> list[str]:
        """Next questions the documents answer, each checked first (rag/answer/follow_ups.py)."""
        if not answer.found or self.settings.follow_ups <= 0:
            return []
        return suggest_follow_ups(self.probe, self.retriever.lexicon(), self.retriever.documents(), turn, answer,
                                  self.settings.follow_ups, self.settings.follow_up_budget_ms / 1000)

    def suggest(self, answer: Answer, history: list[tuple[str, str]] | None = None,
                doc_ids: list[str] | None = None) -> list[str]:
        """Next questions for an answer given earlier without them (`ask(..., follow_ups=False)`), its evidence
        found again as it was: the same question, history and documents."""
        turn = self.retrieve(self.resolve(self.check({"question": answer.question, "history": history or [],
                                                      "doc_ids": doc_ids})))
        return [] if turn.problem else self.follow_ups(turn, answer)

    def question(self, query: str, known=None):
        """The question as the reader reads it: rag/nlp/question.py's reading, each word no document holds read as
        the word of the library it is a slip of (`respelled`)."""
        lexicon = self.retriever.lexicon()
        return respelled(read(query), self.spellings(lexicon), known or (lambda term: term in lexicon.df))

    def probe(self, question: str, doc_ids: list[str] | None) -> Reading | None:
        """A question sent through the pipeline's own steps as a click sends it (standing alone: no history), read
        cheaply (the reader reads `RAG_FOLLOW_UP_PAIRS` sentences): its Reading, or None where it can't be asked."""
        turn = self.retrieve(self.resolve(self.check({"question": question, "history": [], "doc_ids": doc_ids})))
        if turn.problem or not turn.evidence:
            return None
        return self.reading(turn.query, turn.evidence, self.settings.follow_up_pairs)

    def spellings(self, lexicon) -> dict:
        """The collection's words indexed for `respelled`, rebuilt when the store changes (the lexicon does)."""
        built_from, index = self._spellings
        if built_from is not lexicon:
            index = spelling_index(lexicon.df)
            self._spellings = (lexicon, index)
        return index

    def finish(self, turn: Turn) -> Answer:
        cited = finalize(turn.draft, turn.evidence, turn.positions)  # the one citation check
        draft = cited.draft
        turn.timings.setdefault("retrieve", 0.0)
        turn.timings.setdefault("compose", 0.0)
        if turn.reading is not None:
            turn.timings["reader"] = round(turn.reading.reader_ms, 1)  # the model's share, inside compose
        turn.timings["total"] = round((time.perf_counter() - turn.started) * 1000, 1)
        answer = Answer(question=turn.question, answer=cited.text, found=draft.found and bool(cited.citations),
                        citations=cited.citations, disagreement=turn.disagreement and draft.found,
                        positions=cited.positions, timings_ms=turn.timings, composer=draft.composer,
                        notes=draft.notes + cited.notes, resolved_question=turn.query or None)
        # how well each citation supports its sentence; whether the evidence only touches the question
        set_support(answer.answer, answer.citations, turn.evidence, [p.holder for p in answer.positions])
        short = turn.reading.short_answer() if turn.reading is not None and answer.found else None
        if short and not answer.disagreement:
            text, evidence = short
            cited = next((c.n for c in answer.citations if c.paragraph_id == evidence.paragraph.id), None)
            answer.short_answer = {"text": text, "citation": cited} if cited else None
        weak = self.settings.weak_evidence
        if weak is None:
            weak = load_fitted().weak
        answer.weak_evidence = bool(answer.found and turn.reading is not None and turn.reading.answerable < weak)
        if turn.follow_ups and self.settings.follow_ups > 0:  # after "total": suggestions are not the answer's time
            t0 = time.perf_counter()
            answer.follow_ups = self.follow_ups(turn, answer)
            turn.timings["follow_ups"] = round((time.perf_counter() - t0) * 1000, 1)
        return answer
