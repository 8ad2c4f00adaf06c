"""The web app's event handlers: what each click, question or upload does, in terms of the pipeline
(rag.answer.chain.Assistant), the library (rag.store, rag.ingest.pipeline, rag.app.uploads), the recommendations
(rag.app.recommendations) and the HTML (rag.app.ui). app.py lays out the page and wires these to its components."""
from __future__ import annotations

import tempfile
import threading
import time
import traceback
import weakref
from pathlib import Path

import gradio as gr

from rag.app import briefing, recommendations, ui
from rag.config import Settings
from rag.ingest.pipeline import FileReport, format_reports
from rag.model import Answer
from rag.store import Store, document_row
from rag.app.uploads import add_upload, remove_uploads, safe_filename
from rag.app.warmup import index


def session(request: gr.Request | None) -> str:
    """The browser session an event comes from ("" where none is known: a direct call)."""
    return getattr(request, "session_hash", None) or ""


class WebApp:
    """The handlers. One per process; per-user state (the conversation) lives in gr.State."""

    def __init__(self, settings: Settings, store: Store, assistant):
        self.settings = settings
        self.store = store
        self.assistant = assistant
        self.library_lock = threading.Lock()  # one upload or delete at a time
        # each browser session's latest answer: suggestions for an earlier one arrive too late to be shown (a
        # question asked, or the conversation cleared, while they were being read) and must not overwrite it.
        # Held weakly: the answer lives in the session's state and goes with it
        self.latest: dict[str, weakref.ref | None] = {}

    # ------------------------------------------------------------------ ask
    def ask(self, question: str, doc_ids: list[str] | None, answers: list[Answer] | None,
            request: gr.Request | None = None):
        answers = list(answers or [])
        question = (question or "").strip()
        if not question:
            raise gr.Error("Please type a question.")
        known = {d.doc_id for d in self.store.list_documents()}
        scope = [d for d in (doc_ids or []) if d in known] or None
        try:  # the answer first; its suggested next questions come after it is shown (`suggest`)
            answer = self.assistant.ask(question, ui.history_pairs(answers), scope, follow_ups=False)
        except Exception:  # noqa: BLE001 - the user sees a short message, the console the trace
            traceback.print_exc()
            raise gr.Error("Something went wrong while answering. Please try again, or rephrase the question.")
        answers.append(answer)
        self.latest[session(request)] = weakref.ref(answer)
        turn = len(answers) - 1
        return (self.messages(answers), "", ui.render_sources(answer, turn), ui.render_positions(answer, turn),
                answers, answer.to_json(), ui.viewer_placeholder())

    def suggest(self, doc_ids: list[str] | None, answers: list[Answer] | None, request: gr.Request | None = None):
        """After an answer is shown: its suggested next questions, offered under it in the chat, unless the
        conversation has moved on meanwhile (another answer shown, or the conversation cleared): then the chat
        keeps what it shows now."""
        answers = list(answers or [])
        if not answers or not answers[-1].found or answers[-1].follow_ups:
            return gr.skip(), gr.skip()
        known = {d.doc_id for d in self.store.list_documents()}
        scope = [d for d in (doc_ids or []) if d in known] or None
        try:
            answers[-1].follow_ups = self.assistant.suggest(answers[-1], ui.history_pairs(answers[:-1]), scope)
        except Exception:  # noqa: BLE001 - suggestions are a courtesy: the answer stands without them
            traceback.print_exc()
            return gr.skip(), gr.skip()
        key = session(request)
        if key in self.latest and (self.latest[key] is None or self.latest[key]() is not answers[-1]):
            return gr.skip(), gr.skip()
        return self.messages(answers), answers

    # ------------------------------------------------------------------ read API (python -m rag, while this app holds the store)
    def answer(self, question: str, history: list[list[str]] | None = None,
               doc_ids: list[str] | None = None) -> dict:
        """One question -> the answer as `python -m rag ask --json` prints it. No conversation state: a follow-up
        passes the earlier [question, answer] pairs as history; doc_ids limits the search to those documents."""
        limit = self.settings.max_question_chars
        pairs = [(str(h[0])[:limit], str(h[1])[:20 * limit]) for h in (history or [])
                 if isinstance(h, (list, tuple)) and len(h) == 2]
        try:
            answer = self.assistant.ask(question or "", pairs[-6:], list(doc_ids) if doc_ids else None)
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            raise gr.Error("Something went wrong while answering. Please try again, or rephrase the question.")
        return answer.to_json()

    def documents(self) -> list[dict]:
        """The indexed documents, as `python -m rag docs --json` lists them (complete documents only)."""
        return [document_row(d) for d in self.store.list_documents()]

    @staticmethod
    def messages(answers: list[Answer]) -> list[dict]:
        out = []
        for turn, a in enumerate(answers):
            out.append({"role": "user", "content": ui.clean_markdown(a.question)})
            out.append(ui.chat_message(a, turn, latest=turn == len(answers) - 1))
        return out

    @staticmethod
    def turns(answers: list[Answer] | None) -> str:
        """Every answer's hover cards and Markdown with footnotes, for the page's script (#rag-turns)."""
        return ui.render_turns(answers)

    @staticmethod
    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        return value.get("text", "") if isinstance(value, dict) else str(value or "")

    def new_conversation(self, request: gr.Request | None = None):
        self.latest[session(request)] = None
        return [], "", ui.render_sources(None), "", [], None, ui.viewer_placeholder(), None, ui.render_turns([])

    # ------------------------------------------------------------------ viewer
    def cite(self, answers: list[Answer] | None, whole: bool, evt: gr.EventData):
        """A click on [n] (chat, source card, positions or briefing) -> the answer it belongs to: its sources and
        positions, and the paragraph in its document (a click in the briefing goes back to the Ask tab)."""
        data = getattr(evt, "_data", None) or {}
        try:
            turn, n = int(data.get("turn")), int(data.get("n"))
            answer = (answers or [])[turn]
            citation = next(c for c in answer.citations if c.n == n)
        except (TypeError, ValueError, IndexError, StopIteration):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        short = answer.short_answer
        target = {"doc": citation.doc, "pid": citation.paragraph_id, "quote": citation.quote,
                  "value": short["text"] if short and short.get("citation") == n else None}
        tab = gr.Tabs(selected="ask") if data.get("briefing") else gr.skip()
        return (ui.render_sources(answer, turn, active=n), self.view(target, whole), target,
                ui.render_positions(answer, turn), tab)

    def view(self, target: dict | None, whole: bool = False) -> str:
        if not target:
            return ui.viewer_placeholder()
        paragraphs = self.store.get_paragraphs(target["doc"])
        document = self.store.get_document(target["doc"])
        return ui.render_document(paragraphs, target.get("pid"), target.get("quote"),
                                  context=None if whole else 3, document=document, value=target.get("value"))

    # ------------------------------------------------------------------ library
    def library(self, scope: list[str] | None = None):
        """Fresh values for everything that lists documents."""
        docs = self.store.list_documents()
        choices = ui.document_choices(docs)
        ids = {d.doc_id for d in docs}
        keep = [d for d in (scope or []) if d in ids]
        return (gr.update(value=ui.document_rows(docs)),
                gr.update(choices=choices, value=None),
                gr.update(choices=choices, value=keep),
                gr.update(choices=[("All documents", "")] + choices, value=""))

    def upload(self, files, progress=gr.Progress()):
        """Uploaded files -> checked, staged, ingested and kept under a safe name (rag.app.uploads); a report per file."""
        files = [f for f in (files or []) if f]
        if not files:
            raise gr.Error("Choose one or more files to add.")
        reports: list[FileReport] = []
        with self.library_lock:
            for i, f in enumerate(files):
                path = Path(f if isinstance(f, str) else getattr(f, "name", str(f)))
                original = getattr(f, "orig_name", None) or path.name
                name, step, done = safe_filename(original), (i, len(files)), [0]
                progress(step, desc=f"Reading {name} ({i + 1} of {len(files)})")

                def indexed(k: int, name=name, step=step, done=done) -> None:
                    done[0] += k
                    progress(step, desc=f"Indexing {name}: {done[0]} paragraphs ({step[0] + 1} of {step[1]})")

                reports.append(add_upload(self.store, path, original, self.settings.uploads,
                                          self.settings.max_upload_mb, indexed))
        progress(1.0, desc="Updating the search index")
        index(self.assistant)  # the new lexical index built here, not by the next question
        print(format_reports(reports), flush=True)
        # "file", not "path": gradio_client would take a dict with a "path" for a file to download
        summary = [{"file": r.path, "status": r.status, "paragraphs": r.paragraphs, "title": r.title,
                    "doc_id": r.doc_id, "reason": r.reason, "hint": r.hint} for r in reports]
        return ui.render_ingest_report(reports), summary, None

    def delete(self, doc_id: str | None):
        if not doc_id:
            raise gr.Error("Choose a document to delete.")
        with self.library_lock:
            doc = self.store.get_document(doc_id)
            if doc is None:
                raise gr.Error("That document is no longer in the library.")
            self.store.delete_document(doc_id)
            remove_uploads(self.settings.uploads, doc)
        index(self.assistant)
        return f"Deleted “{doc.title}” ({doc.paragraphs} paragraphs)."

    # ------------------------------------------------------------------ recommendations
    def recommendations(self, query: str, doc_id: str | None):
        titles = {d.doc_id: d.title for d in self.store.list_documents()}
        return recommendations.search(self.store.get_paragraphs(), titles, query or "", doc_id or None)

    def pick_recommendation(self, ids: list[str], evt: gr.SelectData):
        try:
            pid = ids[evt.index[0]]
        except (TypeError, IndexError, KeyError):
            return gr.skip(), gr.skip()
        doc_id = pid.split(":")[0]
        paragraph = next((p for p in self.store.get_paragraphs(doc_id) if p.id == pid), None)
        if paragraph is None:
            return ui.render_document([], None), None
        target = {"doc": paragraph.doc_id, "pid": pid, "quote": None}
        return self.view(target), target

    def ask_about(self, target: dict | None):
        if not target:
            raise gr.Error("Select a recommendation in the table first.")
        paragraph = next((p for p in self.store.get_paragraphs(target["doc"]) if p.id == target["pid"]), None)
        document = self.store.get_document(target["doc"])
        if paragraph is None or document is None:
            raise gr.Error("That recommendation is no longer in the library.")
        return recommendations.question_about(paragraph), gr.Tabs(selected="ask")

    # ------------------------------------------------------------------ briefing
    @staticmethod
    def briefing_choices(answers: list[Answer] | None, selected: list[int] | None):
        answers = answers or []
        choices = [(f"{i + 1}. {a.question}", i) for i, a in enumerate(answers)]
        keep = [i for i in (selected or []) if i < len(answers)]
        if answers and answers[-1].found and len(answers) - 1 not in keep:
            keep.append(len(answers) - 1)
        return gr.update(choices=choices, value=keep)

    def briefing(self, answers: list[Answer] | None, selected: list[int] | None):
        answers = answers or []
        chosen = [answers[i] for i in sorted(set(selected or [])) if 0 <= i < len(answers)] or answers
        if not chosen:
            raise gr.Error("Ask a question first: the briefing is made from the conversation's answers.")
        folder = Path(tempfile.mkdtemp(prefix="briefing-"))
        stamp = time.strftime("%Y-%m-%d-%H%M")
        markdown = briefing.to_markdown(chosen)
        md_path = folder / f"briefing-{stamp}.md"
        md_path.write_text(markdown, encoding="utf-8")
        docx_path = Path(briefing.to_docx(chosen, folder / f"briefing-{stamp}.docx"))
        # in the preview each source number links to a citation of the conversation: hover it, click it
        turn_of = {id(a): t for t, a in enumerate(answers)}
        numbers = ui.briefing_numbers(briefing.build(chosen).sources, [(turn_of[id(a)], a) for a in chosen])
        return [str(md_path), str(docx_path)], ui.link_briefing_markers(ui.clean_markdown(markdown), numbers)
