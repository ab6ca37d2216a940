"""Input and output models of the console's own resources: users, API keys, the audit log.

Kept apart from `api.schemas` (what the index holds) because these describe the console's
state in its SQLite file. Input models forbid unknown fields, so a typo in a request body is a
422 naming the field rather than a silently ignored setting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.accounts.permissions import Permission
from api.accounts.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, Role


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    disabled: bool
    created_at: datetime


class MeOut(BaseModel):
    user: UserOut
    permissions: list[Permission] = Field(description="What the caller's role allows.")


class UserIn(_Input):
    username: str = Field(
        min_length=2,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9._-]+$",
        examples=["ana.perez"],
        description="Lower-case letters, digits, dot, underscore, hyphen.",
    )
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    role: Role


class UserPatch(_Input):
    """Change what is given; leave the rest out."""

    role: Role | None = None
    disabled: bool | None = None
    password: str | None = Field(
        default=None, min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH
    )


class ApiKeyIn(_Input):
    name: str = Field(min_length=1, max_length=100, examples=["nightly export script"])


class ApiKeyOut(BaseModel):
    id: int
    user_id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to tell keys apart.")
    created_at: datetime
    last_used_at: datetime | None = Field(description="To the minute.")
    revoked_at: datetime | None
    expires_at: datetime | None = Field(default=None, description="Refused from then on.")


class ApiKeyCreatedOut(ApiKeyOut):
    token: str = Field(
        description="The key itself, shown this once: send it as `Authorization: Bearer`."
    )


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    user_id: int | None
    username: str
    role: str
    action: str
    target: str
    details: dict[str, Any]


class AuditPageOut(BaseModel):
    total: int
    entries: list[AuditEntryOut] = Field(description="Newest first.")
