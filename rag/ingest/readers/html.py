"""HTML: the page's own text (the <main> or <article> where there is one), without the site around it.

Scripts, styles, navigation, headers, footers, sidebars, forms, cookie banners and hidden elements are removed first.
Then the text is walked in document order: h1-h6 become heading Blocks, li list_item Blocks (an ordered list keeps its
numbers: "3. ..."), and p, blockquote, table cells, pre, dt/dd, captions and loose text in containers paragraph Blocks.
"""
from __future__ import annotations

import codecs
import re

from rag.model import Block
from rag.ingest.readers import ensure_text
from rag.ingest.readers.text import decode

DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "template", "iframe",
             "button", "select", "object", "embed", "canvas", "dialog", "head", "link", "meta", "math")
DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "dialog", "alertdialog", "menu",
              "menubar"}
JUNK_WORDS = ("nav", "menu", "footer", "cookie", "sidebar", "breadcrumb")
KEEP = ("html", "body", "main", "article")  # never dropped for a class name ("has-sidebar" on <body>)
HEADINGS = {f"h{i}": i for i in range(1, 7)}
TEXT_BLOCKS = {"p", "pre", "dt", "dd", "figcaption", "caption", "address", "summary", "legend"}
CONTAINERS = {"div", "section", "main", "article", "body", "html", "ul", "ol", "dl", "table", "thead", "tbody",
              "tfoot", "tr", "blockquote", "figure", "details", "fieldset", "center", "hgroup", "menu", "search",
              "header", "footer", "nav", "aside", "form", "address", "noscript"}
CELLS = {"td", "th"}
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def read_html(data: bytes) -> list[Block]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data), "lxml")
    _strip(soup)
    blocks: list[Block] = []
    roots = _roots(soup)
    if roots[0] is not (soup.body or soup):
        for root in roots:
            Walker(blocks).read(root)
    if not blocks:  # an empty <main> or <article>: read the whole body
        Walker(blocks).read(soup.body or soup)
    return ensure_text(blocks)


def _decode(data: bytes) -> str:
    """A BOM wins, then a declared charset that decodes cleanly, then rag.ingest.readers.text.decode's guesses."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(data)
    declared = META_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "replace").lower()
        if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
            name = "cp1252"  # what browsers do
        try:
            codecs.lookup(name)
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data)


def _is_junk(tag) -> bool:
    if tag.name == "header" and tag.find_parent(["article", "main"]) is not None:
        pass  # an article's own header holds its title
    elif tag.name in DROP_TAGS:
        return True
    attrs = tag.attrs or {}
    if str(attrs.get("role", "")).strip().lower() in DROP_ROLES:
        return True
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(attrs.get("style", "")).replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if tag.name in KEEP:
        return False
    names = attrs.get("class", [])
    names = names.split() if isinstance(names, str) else list(names)
    names.append(str(attrs.get("id", "")))
    for name in names:
        for part in re.split(r"[^a-z0-9]+", name.lower()):
            if part and any(part.startswith(w) or part.endswith(w) or part.endswith(w + "s") for w in JUNK_WORDS):
                # a page wrapper called "has-sidebar" still holds the page
                return tag.find(["main", "article"]) is None
    return False


def _strip(soup) -> None:
    """Remove the junk elements (and their whole subtrees) and comments, top down."""
    from bs4 import Comment, Declaration, Doctype, ProcessingInstruction, Tag

    stack = [soup]
    while stack:
        el = stack.pop()
        for child in list(el.children):
            if isinstance(child, Tag):
                if _is_junk(child):
                    child.decompose()
                else:
                    stack.append(child)
            elif isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                child.extract()


def _roots(soup) -> list:
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main is not None:
        return [main]
    articles = [a for a in soup.find_all("article") if a.find_parent("article") is None]
    if articles:
        return articles
    return [soup.body or soup]


class Walker:
    """Walks the tree in order; inline text gathers until a block-level element closes it."""

    def __init__(self, blocks: list[Block]):
        self.blocks = blocks
        self.pending: list[str] = []

    def emit(self, text: str, style: str = "paragraph", level: int = 0) -> None:
        text = " ".join(text.split())
        if text:
            self.blocks.append(Block(text=text, style=style, level=level))

    def flush(self, style: str = "paragraph", level: int = 0, prefix: str = "") -> None:
        text = " ".join("".join(self.pending).split())
        self.pending = []
        if text:
            self.emit(f"{prefix} {text}" if prefix else text, style, level)

    def read(self, root) -> None:
        self.walk(root)
        self.flush()

    def walk(self, el, style: str = "paragraph", depth: int = -1) -> None:
        from bs4 import NavigableString, Tag

        for child in el.children:
            if isinstance(child, NavigableString):
                self.pending.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "br":
                self.pending.append(" ")
            elif name in HEADINGS:
                self.flush(style, max(depth, 0))
                self.emit(child.get_text(" "), "heading", HEADINGS[name])
            elif name in ("ul", "ol"):
                self.flush(style, max(depth, 0))
                self.list(child, depth + 1)
            elif name in TEXT_BLOCKS or name in CELLS or name in CONTAINERS or name == "li":
                self.flush(style, max(depth, 0))
                inner = "list_item" if style == "list_item" else "paragraph"
                if name == "li":
                    self.list_item(child, depth + 1, "")
                else:
                    self.walk(child, inner, depth)
                    self.flush(inner, max(depth, 0))
            else:  # inline: a, span, em, strong, code, sup, ...
                self.walk(child, style, depth)
        # text left at the end of a container belongs to it; the caller flushes

    def list(self, el, depth: int) -> None:
        from bs4 import Tag

        ordered = el.name == "ol" and (el.get("type") in (None, "1"))
        start = el.get("start", "1")
        n = int(start) - 1 if str(start).lstrip("-").isdigit() else 0
        for item in el.children:
            if not isinstance(item, Tag):
                continue
            if item.name == "li":
                value = item.get("value")
                n = int(value) if value and str(value).isdigit() else n + 1
                self.list_item(item, depth, f"{n}." if ordered else "")
            else:
                self.walk(item, "list_item", depth)
                self.flush("list_item", depth)

    def list_item(self, item, depth: int, prefix: str) -> None:
        start = len(self.blocks)
        self.walk(item, "list_item", depth)
        self.flush("list_item", depth)
        if prefix and len(self.blocks) > start and self.blocks[start].style == "list_item":
            self.blocks[start].text = f"{prefix} {self.blocks[start].text}"

