"""Markdown: headings, list items and paragraphs as the file marks them, in plain text.

Images are dropped (an image URL must never reach a rendered answer), links keep their text, emphasis and inline
code lose their markers, HTML comments and tags go. An ordered item keeps its number ("3. ..."), a bullet loses its
bullet. Fenced code keeps its lines as one paragraph. YAML front matter is skipped.
"""
from __future__ import annotations

import re

from rag.model import Block
from rag.ingest.readers.text import decode

ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
QUOTE = re.compile(r"^ {0,3}> ?")
REF_DEF = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*\S+")  # link definitions, not footnotes
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
INTERRUPTS = ("-", "*", "+", "1.", "1)")  # list markers that may start a list right under a paragraph line
ESCAPABLE = "\\`*_{}[]()#+-.!|>~<"


def read_markdown(data: bytes) -> list[Block]:
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"<!--.*?(?:-->|$)", "", text, flags=re.DOTALL)
    text = re.sub(r"\A---\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", "", text, flags=re.DOTALL)  # front matter
    return Parser().parse(text.split("\n"))


class Parser:
    def __init__(self):
        self.blocks: list[Block] = []
        self.lines: list[str] = []  # the open paragraph or list item
        self.style, self.level = "paragraph", 0
        self.indents: list[int] = []  # open list indents, outermost first

    def close(self) -> None:
        text = inline(" ".join(s.strip() for s in self.lines))
        if text:
            self.blocks.append(Block(text=text, style=self.style, level=self.level))
        self.lines, self.style, self.level = [], "paragraph", 0

    def code(self, lines: list[str]) -> None:
        text = no_images("\n".join(lines)).strip("\n")
        if text.strip():
            self.blocks.append(Block(text=text, style="paragraph"))

    def parse(self, lines: list[str]) -> list[Block]:
        fence: str | None = None
        code: list[str] = []
        for raw in lines:
            if fence is not None:
                if raw.strip().startswith(fence) and set(raw.strip()) == {fence[0]}:
                    self.code(code)
                    fence, code = None, []
                else:
                    code.append(raw)
                continue
            line = raw.rstrip()
            if m := FENCE.match(line):
                self.close()
                fence = m.group(1)
                continue
            if not line.strip():
                self.close()
                continue
            if QUOTE.match(line):
                line = QUOTE.sub("", line)
                while QUOTE.match(line):
                    line = QUOTE.sub("", line)
                if not line.strip():
                    self.close()
                    continue
            if REF_DEF.match(line) or TABLE_RULE.match(line) and "|" in line:
                continue
            if m := ATX.match(line):
                self.close()
                self.indents = []
                if title := inline(m.group(2) or ""):
                    self.blocks.append(Block(text=title, style="heading", level=len(m.group(1))))
                continue
            if (m := SETEXT.match(line)) and self.lines and self.style == "paragraph":
                title = inline(" ".join(s.strip() for s in self.lines))
                self.lines = []
                if title:
                    self.blocks.append(Block(text=title, style="heading", level=1 if m.group(1)[0] == "=" else 2))
                continue
            if RULE.match(line):
                self.close()
                continue
            m = ITEM.match(line)
            if m and self.lines and self.style == "paragraph" and not (m.group(3) and m.group(2) in INTERRUPTS):
                m = None  # only a bullet or a "1." starts a list inside a paragraph (CommonMark)
            if m:
                self.close()
                indent = len(m.group(1).expandtabs(4))
                while self.indents and indent < self.indents[-1]:
                    self.indents.pop()
                if not self.indents or indent > self.indents[-1] + 1:
                    self.indents.append(indent)
                marker = m.group(2)
                self.style, self.level = "list_item", len(self.indents) - 1
                self.lines = [(marker + " " if marker[0].isdigit() else "") + (m.group(3) or "")]
                continue
            if line.lstrip().startswith("|") and line.rstrip().endswith("|"):
                self.close()
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                self.lines = [" | ".join(c for c in cells if c)]
                self.close()
                continue
            if not self.lines and not line[:1].isspace():
                self.indents = []
            self.lines.append(line)
        if fence is not None:
            self.code(code)
        self.close()
        return self.blocks


def inline(text: str) -> str:
    """Markdown inline syntax -> plain text."""
    # escaped characters are set aside so the rules below leave them alone
    keep: list[str] = []

    def hold(m: re.Match) -> str:
        keep.append(m.group(1))
        return hold_text(m.group(1))

    def hold_text(s: str) -> str:
        keep.append(s)
        return f"\x00{len(keep) - 1}\x00"

    text = re.sub(r"\\([" + re.escape(ESCAPABLE) + "])", hold, text)
    text = no_images(text)
    text = re.sub(r"(`+)(.+?)\1", lambda m: hold_text(m.group(2).strip()), text)  # inline code
    for _ in range(2):  # a link inside a link's text
        text = re.sub(r"\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)", r"\1", text)  # [text](url "title")
        text = re.sub(r"\[([^\[\]]+)\]\[[^\]]*\]", r"\1", text)  # [text][ref]
    text = re.sub(r"<((?:https?|mailto|ftp):[^>\s]+)>", r"\1", text)  # autolinks
    text = re.sub(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", "", text)  # inline HTML tags
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"\1", text)
    text = re.sub(r"\x00(\d+)\x00", lambda m: keep[int(m.group(1))], text)
    return " ".join(text.split())


def no_images(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\((?:[^()]|\([^()]*\))*\)", "", text)  # ![alt](url "title")
    text = re.sub(r"!\[[^\]]*\]\[[^\]]*\]", "", text)  # ![alt][ref]
    return re.sub(r"<img\b[^>]*>", "", text, flags=re.IGNORECASE)
