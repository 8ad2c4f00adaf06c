"""The web app: ask questions and read cited answers, manage the library, browse recommendations, export a briefing.

    python app.py [--host 127.0.0.1] [--port 7860] [--store DIR] [--root-path /rag] [--auth user:pass]

This file lays out the page and wires its events; what each event does is in rag/app/handlers.py, the page's CSS and
JavaScript are in rag/app/static/, the HTML is rendered by rag/app/ui.py, answers come from rag.answer.chain.Assistant and the
library is rag.store.Store (this process is the store's one writer). Named API endpoints (gradio_client):
/ask, /new_conversation, /upload, /delete, /briefing, /recommendations; and, without conversation state, what the
CLI asks while this app holds the store: /answer (one question -> the answer's JSON) and /documents (the library).
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from rag.config import get_settings  # sets GRADIO_ANALYTICS_ENABLED=False, HF_HUB_OFFLINE=1 first

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402

from rag.app import ui  # noqa: E402
from rag.ingest.pipeline import fill_if_empty  # noqa: E402
from rag.store import Store, StoreBusy  # noqa: E402
from rag.app.uploads import ALLOWED_EXTENSIONS  # noqa: E402
from rag.app.handlers import WebApp  # noqa: E402

EXAMPLES = [
    "What is recommended regarding the Great Firewall?",
    "Is Western criticism of China's human rights record fair?",
    "How many defence lawyers were penalised between 2017 and 2021?",
]
DOC_HEADERS = ["Title", "Year", "Format", "Paragraphs", "Added", "Files"]
REC_HEADERS = ["Document", "¶", "Recommendation", "Section"]
STATIC = Path(__file__).resolve().parent / "rag" / "app" / "static"  # the page's CSS and JavaScript
PAGE_JS = (STATIC / "page.js").read_text(encoding="utf-8")  # citations: click, hover card, copy with sources
VIEWER_JS = (STATIC / "viewer.js").read_text(encoding="utf-8")  # keep the highlighted paragraph in view


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
                                        file_types=list(ALLOWED_EXTENSIONS), elem_id="rag-upload")
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
        # suggested next questions come after the answer is shown, one at a time beside the answers
        asked.success(app.suggest, [scope, answers], [chat, answers], api_visibility="private",
                      concurrency_id="suggest", concurrency_limit=1, show_progress="hidden")
        for select in (chat.example_select, chat.option_select):  # an example, or a suggested follow-up: ask it
            picked = select(app.pick_example, None, [question], api_visibility="private", queue=False).then(
                app.ask, [question, scope, answers], ask_outputs, api_visibility="private",
                concurrency_id="ask")
            picked.success(app.turns, [answers], [turns], api_visibility="private", queue=False).then(
                app.briefing_choices, [answers, chosen], [chosen], api_visibility="private")
            picked.success(app.suggest, [scope, answers], [chat, answers], api_visibility="private",
                           concurrency_id="suggest", concurrency_limit=1, show_progress="hidden")
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
    parser.add_argument("--root-path", help="URL prefix when served behind a reverse proxy, e.g. /rag "
                        "(default RAG_ROOT_PATH)")
    parser.add_argument("--auth", help="user:password for a login page (default RAG_AUTH)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the warm-up question at start")
    return parser.parse_args(argv)


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
    updates = {k: v for k, v in (("host", args.host), ("port", args.port), ("root_path", args.root_path),
                                 ("auth", args.auth)) if v is not None}
    settings = settings.model_copy(update=updates) if updates else settings
    auth = None
    if settings.auth:
        user, sep, password = settings.auth.partition(":")
        if not (user and sep and password):
            print("error: --auth takes user:password", file=sys.stderr)
            return 2
        auth = (user, password)
    from rag.answer.reader import ReaderMissing, check_models

    try:
        check_models(settings)  # before anything else: no answer without the reader
        store = Store(settings, write=True)
    except (StoreBusy, ReaderMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from rag.answer.chain import Assistant

    fill_if_empty(store, settings.corpus)
    assistant = Assistant(settings, store)
    if not args.no_warmup and store.list_documents():
        from rag.app.warmup import warm_up

        try:  # whatever a first question would pay (model, lexical index, reader ...), paid now: one line a stage
            warm_up(assistant, question=EXAMPLES[0])
        except Exception:  # noqa: BLE001 - a failed warm-up must not stop the app
            traceback.print_exc()
    app = WebApp(settings, store, assistant)
    demo = build(app)
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    print(f"Serving on http://{settings.host}:{settings.port}{settings.root_path or ''}", flush=True)
    try:
        demo.launch(server_name=settings.host, server_port=settings.port, share=False, show_error=False,
                    max_file_size=f"{settings.max_upload_mb:g}mb", enable_monitoring=False,
                    root_path=settings.root_path or None, auth=auth, css_paths=[STATIC / "app.css"],
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
