"""Logging in and out of the console, who am I, and my API keys.

`/login` and `/logout` are console forms (session cookie, CSRF token in the form);
`/api/auth/*` serves both kinds of callers. A key's token is in the answer that creates it and
nowhere else, ever.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.accounts import auth
from api.accounts.permissions import permissions_of
from api.accounts.schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, MeOut
from api.deps import (
    AnyUserDep,
    AuditDep,
    LoginThrottleDep,
    SettingsDep,
    TemplatesDep,
    UsersDep,
)

router = APIRouter(tags=["auth"])

_PAGE = {"include_in_schema": False}
KeyId = Annotated[int, Path(ge=1, le=2**62, description="The key's id.")]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//other.host` or `https://…` (open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse, **_PAGE)
def login_page(request: Request, templates: TemplatesDep, next: str | None = None) -> HTMLResponse:
    context = {"next": safe_next(next), "failed": False}
    return templates.TemplateResponse(request, "login.html", context)


@router.post("/login", response_model=None, **_PAGE)
async def login(
    request: Request,
    templates: TemplatesDep,
    users: UsersDep,
    audit: AuditDep,
    throttle: LoginThrottleDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> HTMLResponse | RedirectResponse:
    if not await auth.csrf_ok(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the login form expired; reload it")
    address = request.client.host if request.client else "unknown"
    try:
        user = await auth.check_login(users, throttle, address, username, password)
    except auth.LoginThrottled as refused:
        return _throttled(request, templates, refused)
    if user is None:
        # Only attempts that reached the password check: the throttle bounds how many rows a
        # guesser can write, and a throttled attempt (no check, 429) is not logged.
        audit.record_failed_login(username, address)
        context = {"next": safe_next(next), "failed": True, "username": username}
        return templates.TemplateResponse(
            request, "login.html", context, status_code=status.HTTP_401_UNAUTHORIZED
        )
    auth.start_session(request, user, users.sessions, settings.session_lifetime)
    audit.record(user, "login", user.username, {})
    return RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)


def _throttled(
    request: Request, templates: Jinja2Templates, refused: auth.LoginThrottled
) -> HTMLResponse:
    """429 with Retry-After, as the error page for a browser and as JSON for a script (the
    shared error handlers would drop the header from the page)."""
    minutes = max(1, round(refused.retry_after / 60))
    message = f"too many failed logins; try again in {minutes} minute(s)"
    headers = {"Retry-After": refused.retry_after_header}
    if "text/html" not in request.headers.get("accept", ""):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, message, headers=headers)
    context = {"status_code": status.HTTP_429_TOO_MANY_REQUESTS, "messages": [message]}
    return templates.TemplateResponse(
        request, "error.html", context, status.HTTP_429_TOO_MANY_REQUESTS, headers
    )


@router.post("/logout", **_PAGE)
def logout(
    request: Request, user: AnyUserDep, audit: AuditDep, users: UsersDep
) -> RedirectResponse:
    audit.record(user, "logout", user.username, {})
    auth.end_session(request, users.sessions)
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/api/auth/me", response_model=MeOut, summary="Who am I")
def me(user: AnyUserDep) -> MeOut:
    """The caller's user and what their role allows."""
    return MeOut(user=user, permissions=permissions_of(user.role))


@router.get("/api/auth/keys", response_model=list[ApiKeyOut], summary="My API keys")
def my_keys(user: AnyUserDep, users: UsersDep) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(key.model_dump()) for key in users.keys(user.id)]


@router.post(
    "/api/auth/keys",
    response_model=ApiKeyCreatedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Make an API key",
)
def create_key(
    user: AnyUserDep, body: ApiKeyIn, users: UsersDep, audit: AuditDep, settings: SettingsDep
) -> ApiKeyCreatedOut:
    """A new key for the caller. `token` is shown here once; only its hash is kept. It
    expires after `TRACK4TIP_API_API_KEY_LIFETIME_DAYS` (`expires_at`)."""
    lifetime = timedelta(days=settings.api_key_lifetime_days)
    key, token = users.create_key(user.id, body.name, lifetime=lifetime)
    audit.record(user, "create_key", str(key.id), {"name": key.name, "expires_at": key.expires_at})
    return ApiKeyCreatedOut(**key.model_dump(), token=token)


@router.delete(
    "/api/auth/keys/{key_id}",
    response_model=ApiKeyOut,
    summary="Revoke one of my API keys",
    responses={404: {"description": "The caller has no key with this id."}},
)
def revoke_key(key_id: KeyId, user: AnyUserDep, users: UsersDep, audit: AuditDep) -> ApiKeyOut:
    key = users.revoke_key(key_id, user_id=user.id)
    audit.record(user, "revoke_key", str(key.id), {"name": key.name})
    return ApiKeyOut.model_validate(key.model_dump())
