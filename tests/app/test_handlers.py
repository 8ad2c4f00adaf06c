"""The app's handlers (rag/app/handlers.py) called as Gradio calls them, with the real assistant on the bundled corpus;
through the running app: tests/app/test_app.py and the browser tests."""
from __future__ import annotations

import gradio as gr

from rag.app.handlers import WebApp


def test_suggestions_that_arrive_after_a_newer_answer_do_not_overwrite_it(corpus_store, corpus_assistant):
    """Suggested next questions are read after an answer is shown; a user who asks again (or clears the
    conversation) meanwhile keeps the newer chat: the late suggestions are dropped, not written over it."""
    skipped = (gr.skip(), gr.skip())
    app = WebApp(corpus_store.settings, corpus_store, corpus_assistant)
    me, other = gr.Request(session_hash="me"), gr.Request(session_hash="other")
    first = app.ask("What is the Great Firewall of China?", None, [], me)[4]
    second = app.ask("What happened to Zhen Jianghua?", None, first, me)[4]
    assert len(second) == 2 and second[-1].question == "What happened to Zhen Jianghua?"
    assert app.suggest(None, first, me) == skipped  # the first answer's, finished after the second was shown
    chat, answers = app.suggest(None, second, me)  # the latest answer's are shown
    assert answers[-1] is second[-1] and answers[-1].follow_ups and len(chat) == 4
    theirs = app.ask("What is RSDL?", None, [], other)[4]  # another browser's conversation is its own
    assert app.suggest(None, theirs, other)[1][-1] is theirs[-1]
    third = app.ask("What does the submission say about the death penalty?", None, second, me)[4]
    app.new_conversation(me)  # cleared while the third answer's suggestions were being read
    assert app.suggest(None, third, me) == skipped
