"""One shape for every error the API returns: `{"detail": ...}`, as FastAPI does.

    HTTPException (404, 503 ...)   {"detail": "a readable message"}
    RequestValidationError (422)   {"detail": [{"type", "loc": ["query", "size"], "msg", ...}]}
    index InvalidQuery (422)       the same list shape, located at the query
    other IndexBackendError (503)  {"detail": "the index's message"} — the index cannot serve
    api ConsoleError               404 RecordNotFound, 409 RecordConflict, 422 InvalidRecord,
                                   503 Unavailable,
                                   {"detail": "the store's message"}
    linking StoreUnavailable (503) {"detail": "the store's message"} — the linking store
                                   cannot be read
    413                            a body over TRACK4TIP_API_MAX_BODY_BYTES (api.body_limit)
    UnicodeEncodeError (422)       text with lone surrogates, which nothing can store

The index raises its own errors and knows nothing of HTTP; they become responses here. The
console's pages get the same status codes, rendered as a small HTML page instead of JSON —
except 401, which sends a browser to the login page and back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from api.deps import templates_of
from api.errors import ConsoleError, InvalidRecord, RecordConflict, RecordNotFound, Unavailable
from index.errors import IndexBackendError, InvalidQuery
from linking.errors import StoreUnavailable

API_PREFIX = "/api/"


def _wants_html(request: Request) -> bool:
    """A browser on a console page: the API and /healthz always answer JSON."""
    on_page = not request.url.path.startswith(API_PREFIX) and request.url.path != "/healthz"
    return on_page and "text/html" in request.headers.get("accept", "")


def _html_error(request: Request, status_code: int, messages: list[str]) -> Response:
    templates = templates_of(request)
    context = {"status_code": status_code, "messages": messages}
    return templates.TemplateResponse(request, "error.html", context, status_code=status_code)


def _validation_messages(errors: list[dict[str, Any]]) -> list[str]:
    return [
        f"{'.'.join(str(part) for part in error['loc'][1:])}: {error['msg']}" for error in errors
    ]


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = urlencode({"next": target})
    return RedirectResponse(f"/login?{query}", status_code=status.HTTP_303_SEE_OTHER)


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if _wants_html(request) and error.status_code == status.HTTP_401_UNAUTHORIZED:
        return _login_redirect(request)
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


_CONSOLE_STATUS = {
    RecordNotFound: status.HTTP_404_NOT_FOUND,
    RecordConflict: status.HTTP_409_CONFLICT,
    InvalidRecord: status.HTTP_422_UNPROCESSABLE_CONTENT,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


async def _on_console_error(request: Request, error: Exception) -> Response:
    code = next(
        (code for kind, code in _CONSOLE_STATUS.items() if isinstance(error, kind)),
        status.HTTP_400_BAD_REQUEST,
    )
    return await _on_http_error(request, StarletteHTTPException(code, str(error)))


async def _on_linking_store_error(request: Request, error: Exception) -> Response:
    unavailable = StarletteHTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error))
    return await _on_http_error(request, unavailable)


async def _on_unencodable_text(request: Request, error: Exception) -> Response:
    """JSON may carry lone surrogates ("\\ud800") that no file or database can store: the
    caller's text is broken (422), not the server. Any other encoding failure is a bug."""
    if isinstance(error, UnicodeEncodeError) and "surrogate" in error.reason:
        item = {
            "type": "invalid_text",
            "loc": ["body"],
            "msg": "text must be valid Unicode (a lone surrogate such as \\ud800 is not)",
            "input": None,
        }
        return await _on_invalid_request(request, RequestValidationError([item]))
    raise error


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(IndexBackendError, _on_index_error)
    app.add_exception_handler(ConsoleError, _on_console_error)
    app.add_exception_handler(StoreUnavailable, _on_linking_store_error)
    app.add_exception_handler(UnicodeEncodeError, _on_unencodable_text)
