"""Users of the console, their roles, passwords and API keys.

Passwords are kept as salted scrypt hashes (`scrypt$n$r$p$salt$hash`, so the cost can be raised
later without breaking old hashes). An API key is a random 32-byte token shown once, when it
is made; the database keeps only its SHA-256, a short prefix to tell keys apart, when it was
last used, when it expires and whether it was revoked; an expired key is refused like a
revoked one. Console sessions are rows too (api/accounts/sessions.py), so that a logout or
a password change ends them on the server. A disabled user can neither log in nor use a key.

A login attempt computes exactly one scrypt hash whether the user exists or not: a name
nobody has is checked against a dummy hash made once, at start-up, with the same parameters,
so the answer's timing does not tell which names exist. scrypt is slow on purpose (tens of
milliseconds of CPU): callers on an event loop run `authenticate` in a worker thread
(api/accounts/auth.py, `check_login`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache

from pydantic import BaseModel

from api.accounts.sessions import SessionStore
from api.database import ConsoleDatabase
from api.errors import InvalidRecord, RecordConflict, RecordNotFound

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
KEY_PREFIX = "t4t_"
# A key's last use is written at most this often: every request would otherwise be a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# How long a key works unless its maker says otherwise (TRACK4TIP_API_API_KEY_LIFETIME_DAYS in
# the API); keys made before keys expired are given this long from the upgrade.
DEFAULT_KEY_LIFETIME = timedelta(days=90)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT,
    expires_at TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys(user_id);
"""


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    INVESTIGATOR = "investigator"
    RESEARCHER = "researcher"


class User(BaseModel, frozen=True):
    id: int
    username: str
    role: Role
    disabled: bool = False
    created_at: datetime


class ApiKey(BaseModel, frozen=True):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def scrypt_digest(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """The one place a password is hashed (tests count the calls through it)."""
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    n, r, p = _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"]
    digest = scrypt_digest(password, salt, n, r, p)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


@cache
def dummy_hash() -> str:
    """A hash of no one's password, with today's parameters: what unknown names are checked
    against. Made once per process (UserStore makes it at start-up, not on a first login)."""
    return hash_password(secrets.token_urlsafe(32))


# Never reached (the dummy always parses); keeps the types whole.
_UNUSABLE = (b"", 0, 0, 0, "")


def _parse_hash(stored: str) -> tuple[bytes, int, int, int, str] | None:
    """Salt, n, r, p and expected hex digest of a stored hash; None if it is not one."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return None
        return bytes.fromhex(salt), int(n), int(r), int(p), expected
    except ValueError:
        return None


def password_matches(password: str, stored: str) -> bool:
    """Exactly one scrypt run, even for a stored value that is not a valid hash (checked
    against the dummy instead and refused), so no record answers faster than another."""
    parsed = _parse_hash(stored)
    salt, n, r, p, expected = parsed or _parse_hash(dummy_hash()) or _UNUSABLE
    try:
        digest = scrypt_digest(password, salt, n, r, p)
    except ValueError:  # parameters scrypt refuses: nothing to compare against
        return False
    return parsed is not None and hmac.compare_digest(digest.hex(), expected)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidRecord(
            f"a password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        )


def _user(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        disabled=bool(row["disabled"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )


def _key(row: sqlite3.Row) -> ApiKey:
    def instant(name: str) -> datetime | None:
        return datetime.fromisoformat(row[name]) if row[name] else None

    return ApiKey(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        prefix=row["prefix"],
        created_at=datetime.fromisoformat(row["created_at"]),
        last_used_at=instant("last_used_at"),
        revoked_at=instant("revoked_at"),
        expires_at=instant("expires_at"),
    )


class UserStore:
    """Users and their API keys in the console database."""

    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database
        database.ensure_schema("users", SCHEMA)
        self.sessions = SessionStore(database)
        self._give_old_keys_an_expiry()
        dummy_hash()  # at start-up, so no login attempt pays for two hashes

    def _give_old_keys_an_expiry(self) -> None:
        """Keys from before keys expired get the default lifetime, counted from now: they
        stop working in time, without breaking every script on the day of the upgrade."""
        self.database.add_column("api_keys", "expires_at", "TEXT")
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE api_keys SET expires_at = ? WHERE expires_at IS NULL",
                ((_now() + DEFAULT_KEY_LIFETIME).isoformat(),),
            )

    # --- users ----------------------------------------------------------------------------

    def create(self, username: str, password: str, role: Role | str) -> User:
        name = username.strip().lower()
        if not USERNAME_PATTERN.match(name):
            raise InvalidRecord(
                f"username {username!r}: 2-64 characters, lower-case letters, digits, . _ -"
            )
        try:
            chosen = Role(role)
        except ValueError:
            raise InvalidRecord(f"no role {role!r}; roles: {', '.join(Role)}") from None
        _check_password(password)
        try:
            with self.database.connect() as connection:
                cursor = connection.execute(
                    "INSERT INTO users (username, role, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (name, chosen.value, hash_password(password), _now().isoformat()),
                )
        except sqlite3.IntegrityError:
            raise RecordConflict(f"a user named {name!r} exists already") from None
        return self.get(cursor.lastrowid or 0)

    def get(self, user_id: int) -> User:
        found = self.find(user_id)
        if found is None:
            raise RecordNotFound(f"no user with id {user_id}")
        return found

    def find(self, user_id: int) -> User | None:
        with self.database.connect() as connection:
            row = connection.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row is not None else None

    def by_username(self, username: str) -> User:
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT * FROM users WHERE username = ?", (username.strip().lower(),)
            ).fetchone()
        if row is None:
            raise RecordNotFound(f"no user named {username!r}")
        return _user(row)

    def all(self) -> list[User]:
        with self.database.connect() as connection:
            rows = connection.execute("SELECT * FROM users ORDER BY username").fetchall()
        return [_user(row) for row in rows]

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this name and password, or None (never says which was wrong)."""
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT * FROM users WHERE username = ?", (username.strip().lower(),)
            ).fetchone()
        # One hash either way: against the dummy when nobody has this name.
        stored = row["password_hash"] if row is not None else dummy_hash()
        matches = password_matches(password, stored)
        if row is None or not matches or row["disabled"]:
            return None
        return _user(row)

    def set_disabled(self, user_id: int, disabled: bool) -> User:
        self._update(user_id, "disabled = ?", (int(disabled),))
        return self.get(user_id)

    def set_role(self, user_id: int, role: Role) -> User:
        self._update(user_id, "role = ?", (Role(role).value,))
        return self.get(user_id)

    def set_password(self, user_id: int, password: str, keep_session: str | None = None) -> None:
        """A new password, and the user's console sessions ended (but `keep_session`, the
        session of a user changing their own): whoever knew the old one is logged out."""
        _check_password(password)
        self._update(user_id, "password_hash = ?", (hash_password(password),))
        self.sessions.end_all(user_id, keep=keep_session)

    def _update(self, user_id: int, assignment: str, values: tuple[object, ...]) -> None:
        with self.database.connect() as connection:
            cursor = connection.execute(
                f"UPDATE users SET {assignment} WHERE id = ?", (*values, user_id)
            )
        if cursor.rowcount == 0:
            raise RecordNotFound(f"no user with id {user_id}")

    # --- API keys -------------------------------------------------------------------------

    def create_key(
        self, user_id: int, name: str, lifetime: timedelta = DEFAULT_KEY_LIFETIME
    ) -> tuple[ApiKey, str]:
        """A new key and its token: the only time the token is seen. It works for
        `lifetime`, then is refused like a revoked one."""
        self.get(user_id)
        label = name.strip()
        if not 1 <= len(label) <= 100:
            raise InvalidRecord("a key name needs 1 to 100 characters")
        token = KEY_PREFIX + secrets.token_urlsafe(32)
        now = _now()
        with self.database.connect() as connection:
            cursor = connection.execute(
                "INSERT INTO api_keys (user_id, name, prefix, token_sha256, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    label,
                    token[:10],
                    token_digest(token),
                    now.isoformat(),
                    (now + lifetime).isoformat(),
                ),
            )
            row = connection.execute(
                "SELECT * FROM api_keys WHERE id = ?", (cursor.lastrowid,)
            ).fetchone()
        return _key(row), token

    def keys(self, user_id: int | None = None) -> list[ApiKey]:
        where, values = ("WHERE user_id = ?", (user_id,)) if user_id is not None else ("", ())
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT * FROM api_keys {where} ORDER BY id", values
            ).fetchall()
        return [_key(row) for row in rows]

    def revoke_key(self, key_id: int, user_id: int | None = None) -> ApiKey:
        """Revoke a key; with `user_id`, only a key of that user (others are 'not found')."""
        owner = " AND user_id = ?" if user_id is not None else ""
        values = (key_id,) if user_id is None else (key_id, user_id)
        with self.database.connect() as connection:
            row = connection.execute(
                f"SELECT * FROM api_keys WHERE id = ?{owner}", values
            ).fetchone()
            if row is None:
                raise RecordNotFound(f"no API key with id {key_id}")
            connection.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                (_now().isoformat(), key_id),
            )
            row = connection.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        return _key(row)

    def user_for_key(self, token: str) -> User | None:
        """The active user owning this unrevoked, unexpired key, or None; notes when it was
        used."""
        now = _now()
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT k.id AS key_id, k.last_used_at, u.* FROM api_keys k"
                " JOIN users u ON u.id = k.user_id"
                " WHERE k.token_sha256 = ? AND k.revoked_at IS NULL"
                " AND (k.expires_at IS NULL OR k.expires_at > ?)",
                (token_digest(token), now.isoformat()),
            ).fetchone()
            if row is None or row["disabled"]:
                return None
            last = row["last_used_at"]
            if last is None or now - datetime.fromisoformat(last) >= LAST_USED_RESOLUTION:
                connection.execute(
                    "UPDATE api_keys SET last_used_at = ? WHERE id = ?",
                    (now.isoformat(), row["key_id"]),
                )
        return _user(row)
