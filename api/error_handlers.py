"""One shape for every error the API returns: `{"detail": ...}`, as FastAPI does.

    HTTPException (404, 503 ...)   {"detail": "a readable message"}
    RequestValidationError (422)   {"detail": [{"type", "loc": ["query", "size"], "msg", ...}]}
    index InvalidQuery (422)       the same list shape, located at the query
    other IndexBackendError (503)  {"detail": "the index's message"} — the index cannot serve

The index raises its own errors and knows nothing of HTTP; they become responses here. The
console's pages get the same status codes, rendered as a small HTML page instead of JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from index.errors import IndexBackendError, InvalidQuery

API_PREFIX = "/api/"


def _wants_html(request: Request) -> bool:
    """A browser on a console page: the API and /healthz always answer JSON."""
    on_page = not request.url.path.startswith(API_PREFIX) and request.url.path != "/healthz"
    return on_page and "text/html" in request.headers.get("accept", "")


def _html_error(request: Request, status_code: int, messages: list[str]) -> Response:
    templates = request.app.state.templates
    context = {"status_code": status_code, "messages": messages}
    return templates.TemplateResponse(request, "error.html", context, status_code=status_code)


def _validation_messages(errors: list[dict[str, Any]]) -> list[str]:
    return [
        f"{'.'.join(str(part) for part in error['loc'][1:])}: {error['msg']}" for error in errors
    ]


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if _wants_html(request):
        return _html_error(request, error.status_code, [str(error.detail)])
    return await http_exception_handler(request, error)


async def _on_invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if _wants_html(request):
        messages = _validation_messages(list(error.errors()))
        return _html_error(request, status.HTTP_422_UNPROCESSABLE_CONTENT, messages)
    return await request_validation_exception_handler(request, error)


async def _on_index_error(request: Request, error: Exception) -> Response:
    """InvalidQuery is the caller's mistake (422); anything else means the index cannot serve."""
    if isinstance(error, InvalidQuery):
        item = {"type": "invalid_query", "loc": ["query"], "msg": str(error), "input": None}
        return await _on_invalid_request(request, RequestValidationError([item]))
    unavailable = StarletteHTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error))
    return await _on_http_error(request, unavailable)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(IndexBackendError, _on_index_error)
