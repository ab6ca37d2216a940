"""A `ReportView` as HTML, PDF (WeasyPrint) or Markdown.

Layouts are Jinja2 templates in api/reporting/templates/: `<name>.html` for HTML and PDF
(`standard` and `brief` ship; names starting with `_` are parts, not layouts) and `report.md`
for Markdown. A report may instead bring its own layout (`custom_template`): it is compiled in
Jinja's sandbox (no attribute access to internals, bounded ranges, no huge repetitions) with
autoescaping on, may extend `_base.html`, and any error in it — syntax, an unknown variable, a
forbidden operation — becomes `InvalidRecord` naming the line, which the API answers with 422.
Its rendering is bounded as a whole (`_RenderBudget`: loop rounds and calls, characters,
seconds), since the sandbox bounds each range but not how loops nest. Screenshots are embedded
up to `ScreenshotLimits` (TRACK4TIP_API_REPORT_MAX_SCREENSHOTS and _BYTES); the rest are listed.

The PDF renderer fetches nothing: screenshots arrive as `data:` URIs and every other URL (an
`<img src="file:///…">` in a custom layout, say) is refused, so a report can neither read the
server's files nor call out.
"""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
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
    nodes,
)
from jinja2.sandbox import SandboxedEnvironment

from api.config import ApiSettings
from api.console import i18n
from api.errors import InvalidRecord
from api.reporting.store import ReportIn, StoredBody
from api.reporting.view import (
    ReportView,
    ScreenshotLimits,
    build_view,
    embed_screenshots,
    pin_documents,
)
from index.base import IndexBackend

TEMPLATES_DIR = Path(__file__).parent / "templates"
MARKDOWN_TEMPLATE = "report.md"
# The longest string or list a custom layout may build by repetition ("x" * n).
MAX_REPEAT_LENGTH = 100_000
# What one rendering of a custom layout may spend (`_RenderBudget`): loop rounds and calls,
# characters of HTML, seconds. The built-in layouts are bounded by what a view holds.
MAX_RENDER_STEPS = 500_000
MAX_RENDER_CHARS = 20_000_000
MAX_RENDER_SECONDS = 10.0
# The name under which a custom layout's loops reach `_counted`.
COUNTED = "_t4t_counted"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|])")


def markdown_escape(value: object) -> str:
    """Text shown as written in Markdown: its punctuation cannot start a link or a heading."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


class _RenderBudget:
    """What one rendering of a custom layout may still spend: steps (loop rounds and calls),
    characters written, and time. The sandbox bounds each range and repetition, not how they
    nest: `{% for a in range(99999) %}{% for b in range(99999) %}` is 10^10 rounds."""

    def __init__(self) -> None:
        self.steps = MAX_RENDER_STEPS
        self.chars = MAX_RENDER_CHARS
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS

    def spend(self, steps: int = 1, chars: int = 0) -> None:
        self.steps -= steps
        self.chars -= chars
        if self.steps < 0:
            raise InvalidRecord("custom_template: too many loop rounds or calls")
        if self.chars < 0:
            raise InvalidRecord("custom_template: the report it writes is too long")
        if time.monotonic() > self.deadline:
            raise InvalidRecord(f"custom_template: took over {MAX_RENDER_SECONDS:g} s")


# The budget of the rendering under way in this thread (None: not a custom layout).
_budget: ContextVar[_RenderBudget | None] = ContextVar("report_render_budget", default=None)


def _spend(steps: int = 1, chars: int = 0) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.spend(steps, chars)


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    """Every `{% for %}` of a custom layout iterates through this: each round is a step."""
    for item in iterable:
        _spend()
        yield item


class _ReportSandbox(SandboxedEnvironment):
    """The sandbox, with `*` and `**` checked so one expression cannot exhaust memory, and
    every call and loop round of a custom layout counted against its render budget."""

    intercepted_binops = frozenset({"*", "**"})

    # Positional-only, as Jinja's own: a template may pass `context=` or `obj=` to a callable.
    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        _spend()
        return super().call(context, obj, *args, **kwargs)

    def bounded_template(self, source: str) -> Template:
        """`source` compiled with each loop's iterable wrapped in `_counted`."""
        tree = self.parse(source)
        for loop in tree.find_all(nodes.For):
            counted = nodes.Call(nodes.Name(COUNTED, "load"), [loop.iter], [], None, None)
            counted.set_lineno(loop.lineno)
            counted.set_environment(self)
            loop.iter = counted
        code = self.compile(tree)
        return self.template_class.from_code(self, code, self.make_globals(None), None)

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

    def __init__(
        self,
        templates_dir: Path = TEMPLATES_DIR,
        screenshot_limits: ScreenshotLimits | None = None,
    ) -> None:
        loader = FileSystemLoader(templates_dir)
        self._html = Environment(loader=loader, autoescape=True, undefined=StrictUndefined)
        self._markdown = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)
        self._markdown.filters["md"] = markdown_escape
        self._sandbox = _ReportSandbox(loader=loader, autoescape=True, undefined=StrictUndefined)
        self._sandbox.globals[COUNTED] = _counted
        self.templates_dir = templates_dir
        self.screenshot_limits = screenshot_limits or ScreenshotLimits()

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> ReportRenderer:
        limits = ScreenshotLimits(
            count=settings.report_max_screenshots,
            total_bytes=settings.report_max_screenshot_bytes,
        )
        return cls(screenshot_limits=limits)

    def layouts(self) -> list[str]:
        """The built-in layout names a report may choose."""
        return sorted(
            path.stem for path in self.templates_dir.glob("*.html") if not path.stem.startswith("_")
        )

    def _layout(self, name: str, custom_template: str | None) -> Template:
        if custom_template is not None:
            try:
                return self._sandbox.bounded_template(custom_template)
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
        view = embed_screenshots(view, self.screenshot_limits)
        budget = _RenderBudget() if custom_template is not None else None
        marker = _budget.set(budget)
        try:
            return self._write(layout, view, budget)
        except InvalidRecord:
            raise
        except TemplateNotFound as error:
            raise InvalidRecord(f"custom_template: no template named {error.name!r}") from None
        except RecursionError:
            raise InvalidRecord("custom_template: a macro calls itself too deeply") from None
        except (TemplateError, ArithmeticError, TypeError, ValueError) as error:
            where = "custom_template" if custom_template is not None else f"template {template}"
            raise InvalidRecord(f"{where} cannot be rendered: {error}") from None
        finally:
            _budget.reset(marker)

    @staticmethod
    def _write(layout: Template, view: ReportView, budget: _RenderBudget | None) -> str:
        if budget is None:
            return layout.render(_context(view))
        # Written piece by piece, so the length is checked while it grows.
        pieces = []
        for piece in layout.generate(_context(view)):
            budget.spend(0, len(piece))
            pieces.append(piece)
        return "".join(pieces)

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
