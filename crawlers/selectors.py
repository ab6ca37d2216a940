"""Field selectors as profiles write them: CSS by default, XPath after an `xpath:` prefix, and a
list of alternatives tried in order (the first that finds text wins).

Real boards need all three: Bumeran's React markup has only hashed class names, so its fields
are found by position (`xpath:(.//h3)[2]`); Computrabajo prints a company either as a link or as
plain text ("Confidencial"), so its profile lists both. A selector that cssselect or lxml cannot
compile is a profile error, reported with the profile's file and field (see profiles.py).
"""

from __future__ import annotations

from typing import Protocol

from cssselect import SelectorError
from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import HTMLTranslator

from crawlers.text import selected_text

XPATH_PREFIX = "xpath:"

FieldSpec = str | list[str] | None


class Scope(Protocol):
    """A page or a part of one: parsel's Selector, or Scrapy's TextResponse."""

    def css(self, query: str) -> SelectorList[Selector]: ...
    def xpath(self, query: str) -> SelectorList[Selector]: ...


def alternatives(spec: FieldSpec) -> list[str]:
    if spec is None:
        return []
    return [spec] if isinstance(spec, str) else list(spec)


def check_expression(expression: str) -> str:
    """The expression unchanged, or a ValueError saying why it does not compile."""
    try:
        if expression.startswith(XPATH_PREFIX):
            etree.XPath(expression.removeprefix(XPATH_PREFIX))
        else:
            HTMLTranslator().css_to_xpath(expression)
    except (SelectorError, etree.XPathSyntaxError) as error:
        raise ValueError(f"selector {expression!r} does not compile: {error}") from error
    return expression


def select(scope: Scope, expression: str) -> SelectorList[Selector]:
    if expression.startswith(XPATH_PREFIX):
        return scope.xpath(expression.removeprefix(XPATH_PREFIX))
    return scope.css(expression)


def first_text(scope: Scope, spec: FieldSpec) -> str:
    """The visible text the first matching alternative finds ("" when none does)."""
    for expression in alternatives(spec):
        found = select(scope, expression)
        # Attribute and text nodes are strings already; elements are turned into visible text.
        text = " ".join(found.getall()).strip() if _is_value(expression) else selected_text(found)
        if text:
            return text
    return ""


def first_attribute(scope: Scope, spec: FieldSpec, attribute: str) -> str | None:
    """An attribute of the first element an alternative matches (e.g. a `datetime`)."""
    for expression in alternatives(spec):
        if _is_value(expression):
            continue
        value = select(scope, expression).attrib.get(attribute)
        if value:
            return value
    return None


def _is_value(expression: str) -> bool:
    """Whether the expression yields strings (`::attr()`, `::text`, `/@x`, `/text()`)."""
    if expression.startswith(XPATH_PREFIX):
        tail = expression.rsplit("/", 1)[-1]
        return tail.startswith("@") or tail in ("text()", "string()")
    return "::" in expression
