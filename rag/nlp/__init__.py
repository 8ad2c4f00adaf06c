"""The one text toolkit: words, stems, sentences, the question read once (text.py, question.py)."""
