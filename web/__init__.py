"""The Gradio app's parts beside app.py: event handlers (handlers.py) and the page's CSS and JavaScript
(static/)."""
