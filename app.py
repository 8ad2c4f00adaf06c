"""The web app: ask questions and read cited answers, manage the library, browse recommendations, export a briefing.

    python app.py [--host 127.0.0.1] [--port 7860] [--store DIR] [--root-path /rag] [--auth user:pass]

UI wiring lives here; the HTML is rendered by rag/ui.py; answers come from rag.chain.Assistant; the library is
rag.store.Store (this process is the store's one writer) and rag.ingest. Named API endpoints (gradio_client):
/ask, /new_conversation, /upload, /delete, /briefing, /recommendations; and, without conversation state, what the
CLI asks while this app holds the store: /answer (one question -> the answer's JSON) and /documents (the library).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

from rag.config import Settings, get_settings  # sets GRADIO_ANALYTICS_ENABLED=False, HF_HUB_OFFLINE=1 first

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402

from rag import ui  # noqa: E402
from rag.ingest import FAILED, FileReport, format_reports, ingest_file, ingest_paths  # noqa: E402
from rag.model import Answer  # noqa: E402
from rag.store import Store, StoreBusy, document_row  # noqa: E402

EXAMPLES = [
    "What is recommended regarding the Great Firewall?",
    "Is Western criticism of China's human rights record fair?",
    "How many defence lawyers were penalised between 2017 and 2021?",
]
DOC_HEADERS = ["Title", "Year", "Format", "Paragraphs", "Added", "Files"]
REC_HEADERS = ["Document", "¶", "Recommendation", "Section"]

STATIC = Path(__file__).resolve().parent / "static"  # the page's CSS and JavaScript
PAGE_JS = (STATIC / "page.js").read_text(encoding="utf-8")  # citations: click, hover card, copy with sources
VIEWER_JS = (STATIC / "viewer.js").read_text(encoding="utf-8")  # keep the highlighted paragraph in view


class WebApp:
    """The handlers. One per process; per-user state (the conversation) lives in gr.State."""

    def __init__(self, settings: Settings, store: Store, assistant):
        self.settings = settings
        self.store = store
        self.assistant = assistant
        self.library_lock = threading.Lock()  # one upload or delete at a time

    # ------------------------------------------------------------------ ask
    def ask(self, question: str, doc_ids: list[str] | None, answers: list[Answer] | None):
        answers = list(answers or [])
        question = (question or "").strip()
        if not question:
            raise gr.Error("Please type a question.")
        known = {d.doc_id for d in self.store.list_documents()}
        scope = [d for d in (doc_ids or []) if d in known] or None
        try:
            answer = self.assistant.ask(question, ui.history_pairs(answers), scope)
        except Exception:  # noqa: BLE001 - the user sees a short message, the console the trace
            traceback.print_exc()
            raise gr.Error("Something went wrong while answering. Please try again, or rephrase the question.")
        answers.append(answer)
        turn = len(answers) - 1
        return (self.messages(answers), "", ui.render_sources(answer, turn), ui.render_positions(answer, turn),
                answers, answer.to_json(), ui.viewer_placeholder())

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

    def new_conversation(self):
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
        target = {"doc": citation.doc, "pid": citation.paragraph_id, "quote": citation.quote}
        tab = gr.Tabs(selected="ask") if data.get("briefing") else gr.skip()
        return (ui.render_sources(answer, turn, active=n), self.view(target, whole), target,
                ui.render_positions(answer, turn), tab)

    def view(self, target: dict | None, whole: bool = False) -> str:
        if not target:
            return ui.viewer_placeholder()
        paragraphs = self.store.get_paragraphs(target["doc"])
        document = self.store.get_document(target["doc"])
        return ui.render_document(paragraphs, target.get("pid"), target.get("quote"),
                                  context=None if whole else 3, document=document)

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
        """Uploaded files -> checked, copied into the uploads folder under a safe name, ingested; a report per file."""
        files = [f for f in (files or []) if f]
        if not files:
            raise gr.Error("Choose one or more files to add.")
        reports: list[FileReport] = []
        uploads = self.settings.uploads
        with self.library_lock:
            for i, f in enumerate(files):
                path = Path(f if isinstance(f, str) else getattr(f, "name", str(f)))
                original = getattr(f, "orig_name", None) or path.name
                progress((i, len(files)), desc=f"Reading {ui.safe_filename(original)} ({i + 1} of {len(files)})")
                reports.append(self._ingest_upload(path, original, uploads, progress, i, len(files)))
        progress(1.0, desc="Done")
        print(format_reports(reports), flush=True)
        # "file", not "path": gradio_client would take a dict with a "path" for a file to download
        summary = [{"file": r.path, "status": r.status, "paragraphs": r.paragraphs, "title": r.title,
                    "doc_id": r.doc_id, "reason": r.reason, "hint": r.hint} for r in reports]
        return ui.render_ingest_report(reports), summary, None

    def _ingest_upload(self, path: Path, original: str, uploads: Path, progress, i: int, total: int) -> FileReport:
        try:
            size = path.stat().st_size
            safe = ui.check_upload(original, size, self.settings.max_upload_mb)
        except ui.UploadRefused as exc:
            return FileReport(path=ui.safe_filename(original), status=FAILED, reason=exc.reason, hint=exc.hint)
        except OSError:
            return FileReport(path=ui.safe_filename(original), status=FAILED, reason="the upload could not be read",
                              hint="try uploading it again")
        uploads.mkdir(parents=True, exist_ok=True)
        final = uploads / safe
        incoming = uploads / ".incoming" / uuid.uuid4().hex
        staged = incoming / safe
        if not (ui.inside(uploads, final) and ui.inside(uploads, staged)):  # cannot happen with a safe name
            return FileReport(path=safe, status=FAILED, reason="unsafe file name", hint="rename the file")
        incoming.mkdir(parents=True)
        try:
            shutil.copyfile(path, staged)
            done = [0]

            def on_paragraphs(k: int) -> None:
                done[0] += k
                progress((i, total), desc=f"Indexing {safe}: {done[0]} paragraphs ({i + 1} of {total})")

            report = ingest_file(self.store, staged, source=f"uploads/{safe}", progress=on_paragraphs)
            if report.ok:
                os.replace(staged, final)  # replaces a link at `final`, never follows it
            return report
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            return FileReport(path=safe, status=FAILED, reason="the file could not be added",
                              hint="check that it opens on your computer, then try again")
        finally:
            shutil.rmtree(incoming, ignore_errors=True)

    def delete(self, doc_id: str | None):
        if not doc_id:
            raise gr.Error("Choose a document to delete.")
        with self.library_lock:
            doc = self.store.get_document(doc_id)
            if doc is None:
                raise gr.Error("That document is no longer in the library.")
            self.store.delete_document(doc_id)
            for source in doc.sources:
                if source.startswith("uploads/"):
                    target = self.settings.uploads / ui.safe_filename(source)
                    if ui.inside(self.settings.uploads, target):
                        target.unlink(missing_ok=True)
        return f"Deleted “{doc.title}” ({doc.paragraphs} paragraphs)."

    # ------------------------------------------------------------------ recommendations
    def recommendations(self, query: str, doc_id: str | None):
        titles = {d.doc_id: d.title for d in self.store.list_documents()}
        rows, ids = ui.recommendation_rows(self.store.get_paragraphs(), titles, query or "", doc_id or None)
        return rows, ids

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
        return ui.question_about(paragraph, document.title), gr.Tabs(selected="ask")

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
        try:
            from rag import briefing
        except ImportError:
            raise gr.Error("Briefing export is not available in this installation.")
        folder = Path(tempfile.mkdtemp(prefix="briefing-"))
        stamp = time.strftime("%Y-%m-%d-%H%M")
        markdown = briefing.to_markdown(chosen)
        md_path = folder / f"briefing-{stamp}.md"
        md_path.write_text(markdown, encoding="utf-8")
        docx_path = Path(briefing.to_docx(chosen, folder / f"briefing-{stamp}.docx"))
        # in the preview each source number links to a citation of the conversation: hover it, click it
        turn_of = {id(a): t for t, a in enumerate(answers)}
        numbers = {}
        for source in briefing.build(chosen).sources:
            numbers[source.number] = next(((turn_of[id(a)], c.n) for a in chosen for c in a.citations
                                           if c.doc == source.doc and c.label == source.label), None)
        preview = ui.link_briefing_markers(ui.clean_markdown(markdown), {g: t for g, t in numbers.items() if t})
        return [str(md_path), str(docx_path)], preview


def build(app: WebApp) -> gr.Blocks:
    settings = app.settings
    composer = f"model ({settings.llm_model or 'default'})" if settings.llm_base_url else "extractive"
    where = settings.chroma_url or str(settings.store)
    docs = app.store.list_documents()
    choices = ui.document_choices(docs)
    with gr.Blocks(title="Policy documents: cited answers") as demo:
        answers = gr.State([])  # the conversation's Answer objects
        viewer_target = gr.State(None)  # {"doc", "pid", "quote"} shown in the Ask tab's viewer
        rec_ids = gr.State([])  # paragraph ids of the recommendation table's rows
        rec_target = gr.State(None)

        gr.Markdown("## Policy documents: cited answers")
        gr.HTML(ui.render_settings(where, composer, settings.llm_base_url), elem_id="rag-settings")
        with gr.Tabs() as tabs:
            # ---------------------------------------------------------------- Ask
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5):
                        chat = gr.Chatbot(label="Conversation", show_label=False, elem_id="rag-chat", height=480,
                                          feedback_options=None, buttons=["copy"], layout="panel",
                                          placeholder="Ask a question about the documents. Every sentence of "
                                                      "the answer cites the paragraph it comes from: click a "
                                                      "[n] to read it in its document.",
                                          examples=[{"text": q} for q in EXAMPLES])
                        with gr.Row():
                            question = gr.Textbox(show_label=False, placeholder="Ask a question about the documents",
                                                  scale=6, max_length=settings.max_question_chars,
                                                  elem_id="rag-question", autofocus=True)
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="rag-send")
                        with gr.Row():
                            scope = gr.Dropdown(label="Search only these documents (empty: all)", multiselect=True,
                                                choices=choices, value=[], scale=5, elem_id="rag-scope",
                                                allow_custom_value=True)
                            clear = gr.Button("New conversation", scale=1, min_width=80, size="sm")
                    with gr.Column(scale=4):
                        sources = gr.HTML(ui.render_sources(None), js_on_load=PAGE_JS, elem_id="rag-sources")
                        gr.Markdown("**In the document**")
                        viewer = gr.HTML(ui.viewer_placeholder(), js_on_load=VIEWER_JS, elem_id="rag-viewer")
                        whole = gr.Checkbox(label="Show the whole document", value=False)
                positions = gr.HTML("", js_on_load=None, elem_id="rag-positions")
                answer_json = gr.JSON(visible=False)
                turns = gr.HTML(ui.render_turns([]), js_on_load=None, elem_id="rag-turns", visible="hidden")

            # ---------------------------------------------------------------- Documents
            with gr.Tab("Documents", id="documents"):
                docs_table = gr.Dataframe(headers=DOC_HEADERS, value=ui.document_rows(docs), interactive=False, wrap=True,
                                          column_widths=["30%", "7%", "8%", "10%", "15%", "30%"],
                                          label="Documents in the library", elem_id="rag-docs")
                with gr.Row(equal_height=False):
                    with gr.Column():
                        files = gr.File(label=f"Add documents: PDF, DOCX, HTML, Markdown or text, up to "
                                              f"{settings.max_upload_mb:g} MB each", file_count="multiple",
                                        file_types=list(ui.ALLOWED_EXTENSIONS), elem_id="rag-upload")
                        report = gr.HTML("", elem_id="rag-report")
                        report_json = gr.JSON(visible=False)
                    with gr.Column():
                        to_delete = gr.Dropdown(label="Remove a document from the library", choices=choices,
                                                value=None, allow_custom_value=True,
                                                elem_id="rag-delete-choice")
                        delete = gr.Button("Remove document", variant="stop", elem_id="rag-delete")
                        deleted = gr.Markdown("")

            # ---------------------------------------------------------------- Recommendations
            with gr.Tab("Recommendations", id="recommendations"):
                with gr.Row():
                    rec_query = gr.Textbox(label="Search recommendations", placeholder="e.g. detention, internet",
                                           scale=3, elem_id="rag-rec-search")
                    rec_doc = gr.Dropdown(label="Document", choices=[("All documents", "")] + choices, value="",
                                          allow_custom_value=True, scale=2)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        rec_table = gr.Dataframe(headers=REC_HEADERS, value=[], interactive=False, wrap=True,
                                                 max_height=560, column_widths=["20%", "8%", "47%", "25%"],
                                                 label="Recommendations (select a row to read it in its document)",
                                                 elem_id="rag-recs")
                    with gr.Column(scale=2):
                        rec_viewer = gr.HTML('<div class="rag-viewer rag-empty">Select a recommendation to read it '
                                             'in its document.</div>', js_on_load=VIEWER_JS, elem_id="rag-rec-viewer")
                        ask_about = gr.Button("Ask about this recommendation", elem_id="rag-ask-about")

            # ---------------------------------------------------------------- Briefing
            with gr.Tab("Briefing", id="briefing"):
                gr.Markdown("Make a briefing note from this conversation's answers, with their quotes and a "
                            "source list, as Markdown and Word (DOCX).")
                chosen = gr.CheckboxGroup(label="Answers to include", choices=[], value=[], type="value",
                                          elem_id="rag-brief-choice")
                make = gr.Button("Make briefing", variant="primary", elem_id="rag-make-briefing")
                downloads = gr.File(label="Download", file_count="multiple", interactive=False,
                                    elem_id="rag-downloads", visible=False)
                with gr.Column(visible=False) as preview_box:
                    gr.Markdown("**Preview**")
                    preview = gr.Markdown("", elem_id="rag-preview", max_height=520)

        # -------------------------------------------------------------------- events
        library_outputs = [docs_table, to_delete, scope, rec_doc]
        rec_outputs = [rec_table, rec_ids]
        ask_outputs = [chat, question, sources, positions, answers, answer_json, viewer]
        asked = gr.on([question.submit, send.click], app.ask, [question, scope, answers], ask_outputs,
                      api_name="ask", concurrency_id="ask")
        for select in (chat.example_select, chat.option_select):  # an example, or a suggested follow-up: ask it
            select(app.pick_example, None, [question], api_visibility="private", queue=False).then(
                app.ask, [question, scope, answers], ask_outputs, api_visibility="private",
                concurrency_id="ask").success(
                app.turns, [answers], [turns], api_visibility="private", queue=False).then(
                app.briefing_choices, [answers, chosen], [chosen], api_visibility="private")
        cleared = [chat, question, sources, positions, answers, answer_json, viewer, viewer_target, turns]
        chat.clear(app.new_conversation, None, cleared, api_visibility="private").then(
            app.briefing_choices, [answers, chosen], [chosen], api_visibility="private")
        asked.success(app.turns, [answers], [turns], api_visibility="private", queue=False).then(
            app.briefing_choices, [answers, chosen], [chosen], api_visibility="private")
        clear.click(app.new_conversation, None, cleared, api_name="new_conversation").then(
            app.briefing_choices, [answers, chosen], [chosen], api_visibility="private")
        sources.cite(app.cite, [answers, whole], [sources, viewer, viewer_target, positions, tabs],
                     api_visibility="private", show_progress="hidden", queue=False)
        whole.change(app.view, [viewer_target, whole], [viewer], api_visibility="private", show_progress="hidden")

        gr.on([rec_query.change, rec_doc.change], app.recommendations, [rec_query, rec_doc], rec_outputs,
              api_name="recommendations", show_progress="hidden", trigger_mode="always_last")
        files.upload(app.upload, [files], [report, report_json, files], api_name="upload",
                     concurrency_limit=1, concurrency_id="library").then(
            app.library, [scope], library_outputs, api_visibility="private").then(
            app.recommendations, [rec_query, rec_doc], rec_outputs, api_visibility="private")
        delete.click(app.delete, [to_delete], [deleted], api_name="delete", concurrency_limit=1,
                     concurrency_id="library",
                     js="(d) => (d && confirm('Remove this document from the library?')) ? d : null").then(
            app.library, [scope], library_outputs, api_visibility="private").then(
            app.recommendations, [rec_query, rec_doc], rec_outputs, api_visibility="private")

        rec_table.select(app.pick_recommendation, [rec_ids], [rec_viewer, rec_target], api_visibility="private")
        ask_about.click(app.ask_about, [rec_target], [question, tabs], api_visibility="private")

        make.click(app.briefing, [answers, chosen], [downloads, preview], api_name="briefing").success(
            lambda: (gr.update(visible=True), gr.update(visible=True)), None, [downloads, preview_box],
            api_visibility="private", queue=False)

        # what the CLI asks while this app holds the store (rag/__main__.py): reads only, never queued behind an upload
        gr.api(app.answer, api_name="answer", concurrency_id="ask")
        gr.api(app.documents, api_name="documents", concurrency_id="documents")

        demo.load(app.library, [scope], library_outputs, api_visibility="private").then(
            app.recommendations, [rec_query, rec_doc], rec_outputs, api_visibility="private")
    return demo


# ---------------------------------------------------------------------------------------------- start-up
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="app.py", description="Web app: cited answers over policy documents.")
    parser.add_argument("--host", help="address to listen on (default RAG_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default RAG_PORT or 7860)")
    parser.add_argument("--store", help="store folder (default RAG_STORE or store/)")
    parser.add_argument("--root-path", default=os.environ.get("RAG_ROOT_PATH"),
                        help="URL prefix when served behind a reverse proxy, e.g. /rag")
    parser.add_argument("--auth", default=os.environ.get("RAG_AUTH"),
                        help="user:password for a login page (or RAG_AUTH)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the warm-up question at start")
    return parser.parse_args(argv)


def fill_if_empty(store: Store, settings: Settings) -> None:
    """A new store gets the bundled corpus, with progress on the console."""
    if store.list_documents() or not settings.corpus.is_dir():
        return
    print(f"The library is empty: adding the bundled documents from {settings.corpus} ...", flush=True)
    t0 = time.perf_counter()

    def on_file(i: int, total: int, path: Path) -> None:
        print(f"  [{i + 1}/{total}] reading and indexing {path.name} ...", flush=True)

    reports = ingest_paths(store, [settings.corpus], on_file=on_file)
    print(format_reports(reports), flush=True)
    print(f"Library ready in {time.perf_counter() - t0:.0f} s.", flush=True)


def local_address(url: str) -> str:
    """The address a process on this machine reaches the app at (an app listening on all interfaces is reached
    on the loopback)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "localhost"):
        host = "127.0.0.1"
    elif host in ("::", "::1"):
        host = "[::1]"
    elif ":" in host:
        host = f"[{host}]"
    return urlunsplit((parts.scheme, f"{host}:{parts.port}" if parts.port else host, "", "", ""))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = get_settings().with_store(args.store)
    updates = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.model_copy(update=updates) if updates else settings
    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not (user and sep and password):
            print("error: --auth takes user:password", file=sys.stderr)
            return 2
        auth = (user, password)
    try:
        store = Store(settings, write=True)
    except StoreBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from rag.chain import Assistant

    fill_if_empty(store, settings)
    assistant = Assistant(settings, store)
    if not args.no_warmup and store.list_documents():
        print("Warming up ...", flush=True)
        try:
            assistant.ask(EXAMPLES[0])
        except Exception:  # noqa: BLE001 - a failed warm-up must not stop the app
            traceback.print_exc()
    app = WebApp(settings, store, assistant)
    demo = build(app)
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    print(f"Serving on http://{settings.host}:{settings.port}{args.root_path or ''}", flush=True)
    try:
        demo.launch(server_name=settings.host, server_port=settings.port, share=False, show_error=False,
                    max_file_size=f"{settings.max_upload_mb:g}mb", enable_monitoring=False,
                    root_path=args.root_path or None, auth=auth, css_paths=[STATIC / "app.css"],
                    footer_links=["api"],
                    allowed_paths=[], ssr_mode=False, mcp_server=False, prevent_thread_lock=True)
        if store.lock is not None and demo.local_url:
            store.lock.announce(local_address(demo.local_url))  # python -m rag asks here while this app holds the store
        demo.block_thread()
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
