"""Admins: `/api/users` — make users, change their role, disable them, see and revoke keys.

A disabled user keeps their history (audit rows, flags, reports) but can neither log in nor
use a key; users are never deleted, since the audit log names them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from api.accounts import auth
from api.accounts.schemas import ApiKeyOut, UserIn, UserOut, UserPatch
from api.deps import AuditDep, UserAdminDep, UsersDep

router = APIRouter(prefix="/api/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**62, description="The user's id.")]
KeyId = Annotated[int, Path(ge=1, le=2**62, description="The key's id.")]
_NOT_FOUND = {404: {"description": "No such user (or key of that user)."}}


@router.get("", response_model=list[UserOut], summary="Every user")
def list_users(admin: UserAdminDep, users: UsersDep) -> list[UserOut]:
    return [UserOut.model_validate(user) for user in users.all()]


@router.post(
    "",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    summary="Make a user",
    responses={409: {"description": "The user name is taken."}},
)
def create_user(body: UserIn, admin: UserAdminDep, users: UsersDep, audit: AuditDep) -> UserOut:
    user = users.create(body.username, body.password, body.role)
    audit.record(admin, "create_user", user.username, {"role": user.role.value})
    return UserOut.model_validate(user)


@router.patch("/{user_id}", response_model=UserOut, summary="Change a user", responses=_NOT_FOUND)
def change_user(
    request: Request,
    user_id: UserId,
    body: UserPatch,
    admin: UserAdminDep,
    users: UsersDep,
    audit: AuditDep,
) -> UserOut:
    """Role, disabled, password: each only when given. The password never reaches the log.
    A new password ends the user's console sessions (an admin changing their own keeps the
    one making the change)."""
    user = users.get(user_id)
    if body.role is not None:
        user = users.set_role(user_id, body.role)
    if body.disabled is not None:
        user = users.set_disabled(user_id, body.disabled)
    if body.password is not None:
        own = auth.session_token(request) if admin.id == user_id else None
        users.set_password(user_id, body.password, keep_session=own)
    changes = body.model_dump(exclude_none=True, exclude={"password"})
    if body.password is not None:
        changes["password"] = "changed"
    audit.record(admin, "change_user", user.username, changes)
    return UserOut.model_validate(user)


@router.get(
    "/{user_id}/keys", response_model=list[ApiKeyOut], summary="A user's keys", responses=_NOT_FOUND
)
def user_keys(user_id: UserId, admin: UserAdminDep, users: UsersDep) -> list[ApiKeyOut]:
    users.get(user_id)
    return [ApiKeyOut.model_validate(key.model_dump()) for key in users.keys(user_id)]


@router.delete(
    "/{user_id}/keys/{key_id}",
    response_model=ApiKeyOut,
    summary="Revoke a user's key",
    responses=_NOT_FOUND,
)
def revoke_user_key(
    user_id: UserId, key_id: KeyId, admin: UserAdminDep, users: UsersDep, audit: AuditDep
) -> ApiKeyOut:
    key = users.revoke_key(key_id, user_id=user_id)
    audit.record(admin, "revoke_key", str(key.id), {"user_id": user_id, "name": key.name})
    return ApiKeyOut.model_validate(key.model_dump())
