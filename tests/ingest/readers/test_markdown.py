"""Markdown reading (rag/ingest/readers/markdown.py)."""
from __future__ import annotations

from rag.config import Settings
from rag.ingest.readers.markdown import read_markdown
from rag.ingest.readers.safe import read_file


SETTINGS = Settings()


def test_markdown_structure(tmp_path):
    md = """# Policy notes

Intro with a [link](https://example.org "title") and an
image ![chart](http://tracker.example/x.png?q=secret) here, **bold** and `code`.

## Actions
- first bullet
* second bullet
  - nested bullet
3. third item
4) fourth item

<!-- a comment -->
```
raw code line
```
"""
    path = tmp_path / "notes.md"
    path.write_text(md)
    fmt, blocks = read_file(path, SETTINGS)
    assert fmt == "markdown"
    assert [(b.style, b.level, b.text) for b in blocks] == [
        ("heading", 1, "Policy notes"),
        ("paragraph", 0, "Intro with a link and an image here, bold and code."),
        ("heading", 2, "Actions"),
        ("list_item", 0, "first bullet"),
        ("list_item", 0, "second bullet"),
        ("list_item", 1, "nested bullet"),
        ("list_item", 0, "3. third item"),
        ("list_item", 0, "4) fourth item"),
        ("paragraph", 0, "raw code line"),
    ]
    assert "tracker" not in str(blocks) and "comment" not in str(blocks)


def test_markdown_nested_image_link():
    blocks = read_markdown(b"See [![logo](http://x/logo.png) the site](http://x) now.")
    assert [b.text for b in blocks] == ["See the site now."]
