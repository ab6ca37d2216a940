"""A `ReportView` as HTML, PDF (WeasyPrint) or Markdown.

Layouts are Jinja2 templates in api/reporting/templates/: `<name>.html` for HTML and PDF
(`standard` and `brief` ship; names starting with `_` are parts, not layouts) and `report.md`
for Markdown. A report may instead bring its own layout (`custom_template`): it is compiled in
Jinja's sandbox (no attribute access to internals, bounded ranges, no huge repetitions) with
autoescaping on, may extend `_base.html`, and any error in it — syntax, an unknown variable, a
forbidden operation — becomes `InvalidRecord` naming the line, which the API answers with 422.

The PDF renderer fetches nothing: screenshots arrive as `data:` URIs and every other URL (an
`<img src="file:///…">` in a custom layout, say) is refused, so a report can neither read the
server's files nor call out.
"""

from __future__ import annotations

import operator
import re
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import SandboxedEnvironment

from api.console import i18n
from api.errors import InvalidRecord
from api.reporting.store import ReportIn, StoredBody
from api.reporting.view import ReportView, build_view, pin_documents
from index.base import IndexBackend

TEMPLATES_DIR = Path(__file__).parent / "templates"
MARKDOWN_TEMPLATE = "report.md"
# The longest string or list a custom layout may build by repetition ("x" * n).
MAX_REPEAT_LENGTH = 100_000
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|])")


def markdown_escape(value: object) -> str:
    """Text shown as written in Markdown: its punctuation cannot start a link or a heading."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


class _ReportSandbox(SandboxedEnvironment):
    """The sandbox, with `*` and `**` checked so one expression cannot exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            raise InvalidRecord("custom_template: the ** operator is not allowed")
        if isinstance(left, int) and isinstance(right, str | list | tuple):
            left, right = right, left
        sequence = isinstance(left, str | list | tuple) and isinstance(right, int)
        if sequence and len(left) * right > MAX_REPEAT_LENGTH:
            raise InvalidRecord("custom_template: a repetition builds too long a value")
        return operator.mul(left, right)


class ReportRenderer:
    """Renders report views; built once per app (templates are compiled once)."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        loader = FileSystemLoader(templates_dir)
        self._html = Environment(loader=loader, autoescape=True, undefined=StrictUndefined)
        self._markdown = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)
        self._markdown.filters["md"] = markdown_escape
        self._sandbox = _ReportSandbox(loader=loader, autoescape=True, undefined=StrictUndefined)
        self.templates_dir = templates_dir

    def layouts(self) -> list[str]:
        """The built-in layout names a report may choose."""
        return sorted(
            path.stem for path in self.templates_dir.glob("*.html") if not path.stem.startswith("_")
        )

    def _layout(self, name: str, custom_template: str | None) -> Template:
        if custom_template is not None:
            try:
                return self._sandbox.from_string(custom_template)
            except TemplateSyntaxError as error:
                raise InvalidRecord(
                    f"custom_template line {error.lineno}: {error.message}"
                ) from None
        if name not in self.layouts():
            choices = ", ".join(self.layouts())
            raise InvalidRecord(f"template: unknown report template {name!r} (choose: {choices})")
        return self._html.get_template(f"{name}.html")

    def html(self, view: ReportView, template: str, custom_template: str | None = None) -> str:
        layout = self._layout(template, custom_template)
        try:
            return layout.render(_context(view))
        except InvalidRecord:
            raise
        except TemplateNotFound as error:
            raise InvalidRecord(f"custom_template: no template named {error.name!r}") from None
        except (TemplateError, ArithmeticError, TypeError, ValueError) as error:
            where = "custom_template" if custom_template is not None else f"template {template}"
            raise InvalidRecord(f"{where} cannot be rendered: {error}") from None

    def markdown(self, view: ReportView) -> str:
        return self._markdown.get_template(MARKDOWN_TEMPLATE).render(_context(view))

    @staticmethod
    def pdf(html: str) -> bytes:
        # Imported here: WeasyPrint loads Pango and fonts, which no other request needs.
        import weasyprint

        fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
        return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def _context(view: ReportView) -> dict[str, Any]:
    return {"report": view, "t": partial(_label, language=view.language)}


def _label(key: str, language: str, **values: object) -> str:
    return i18n.t(key, language, **values)


def checked_body(
    body: ReportIn,
    index: IndexBackend,
    renderer: ReportRenderer,
    author: str,
    evidence_dir: Path | None,
) -> StoredBody:
    """The body to store: its documents pinned to their current versions (unknown ones
    refused), after a trial rendering of its layout (a broken one refused) — so nothing is
    stored that cannot be shown."""
    stored = StoredBody(
        **body.model_dump(), document_versions=pin_documents(index, body.document_ids)
    )
    view = build_view(
        index,
        stored,
        report_id=None,
        version=1,
        saved_by=author,
        saved_at=datetime.now(UTC),
        evidence_dir=evidence_dir,
    )
    renderer.html(view, stored.template, stored.custom_template)
    return stored
