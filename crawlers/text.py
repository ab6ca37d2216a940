"""Visible text from HTML: what a reader sees, with paragraphs and line breaks kept.

Used for CSS-selected fields, JSON-LD descriptions (which often carry `<br/>` markup) and feed
descriptions. Whitespace inside a line collapses; blank lines between blocks collapse to one.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html
from parsel import Selector, SelectorList

_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
     "article", "header", "footer", "blockquote", "pre", "table"}
)  # fmt: skip
_INVISIBLE_TAGS = ("script", "style", "noscript", "template")
# Markup a reader does not see: Computrabajo's "Postulado"/"Vista" tags and elempleo's "COP",
# "industry" labels sit in `class="hide"` elements that a stylesheet hides.
_HIDDEN_CLASSES = frozenset({"hide", "hidden", "sr-only", "d-none", "visually-hidden"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def tidy(text: str) -> str:
    """Collapse runs of spaces within lines and blank lines between them."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _hidden(root: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    return [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and element is not root
        and (
            element.get("hidden") is not None
            or not _HIDDEN_CLASSES.isdisjoint((element.get("class") or "").split())
        )
    ]


def html_to_text(markup: str) -> str:
    """The visible text of an HTML fragment or page."""
    if not markup.strip():
        return ""
    if "<" not in markup:
        return tidy(markup)
    root = lxml_html.fragment_fromstring(markup, create_parent="div")
    for invisible in [*root.iter(*_INVISIBLE_TAGS), *_hidden(root)]:
        invisible.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() != "br":
                element.text = "\n" + (element.text or "")
    return tidy(root.text_content())


def selected_text(selection: Selector | SelectorList[Selector]) -> str:
    """The visible text of every element a selector matched, one block per element."""
    if isinstance(selection, Selector):
        selection = SelectorList([selection])
    return tidy("\n\n".join(html_to_text(element.get()) for element in selection))
