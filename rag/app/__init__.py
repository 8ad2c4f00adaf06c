"""The Gradio app's parts: rendering (ui.py), event handlers, uploads, warm-up, briefings, the recommendations tab,
and the page's static files."""
