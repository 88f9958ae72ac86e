"""Visible text of an HTML document, for the HTML extractor and for HTML email bodies.

Parsed with selectolax (lexbor), which never executes or fetches anything. Script,
style and other invisible elements are dropped; block elements end a line.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

INVISIBLE = ("script", "style", "noscript", "template", "head > meta", "head > link", "svg",
             "object", "embed", "iframe")
BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
          "dl", "dt", "dd", "blockquote", "pre", "section", "article", "header", "footer",
          "nav", "aside", "form", "hr", "address", "figure", "figcaption", "title")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


def visible_text(html: str) -> str:
    """The text a reader would see, with one line per block."""
    tree = LexborHTMLParser(html)
    for selector in INVISIBLE:
        for node in tree.css(selector):
            node.decompose()
    root = tree.body or tree.root
    if root is None:
        return ""
    for node in root.css(",".join((*BLOCKS, "td", "th"))):
        if node.tag in {"td", "th"}:
            node.insert_before("\t")
        else:
            node.insert_after("\n")
    text = root.text(separator="", strip=False)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    joined = "\n".join(line for line in lines if line)
    return _BLANK_LINES.sub("\n\n", joined).strip()


def title(html: str) -> str | None:
    """The document's <title>, if any."""
    node = LexborHTMLParser(html).css_first("title")
    return node.text(strip=True) or None if node is not None else None
