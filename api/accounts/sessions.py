"""Console sessions kept on the server, so that they can be ended.

    sessions   one row per login: the user, the SHA-256 of a random token that the signed
               session cookie carries, when it started and expires, and when it was ended

The cookie is signed, but a signed cookie alone cannot be taken back: a copy kept by whoever
saw it (a shared computer, a stolen laptop, someone who learnt the old password) would work
until it expired. With the row, a logout ends the session on the server, and a password
change ends the user's other sessions; a cookie whose row is ended, expired or missing (made
before sessions were kept) is refused and the user logs in again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from api.database import ConsoleDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database
        database.ensure_schema("sessions", SCHEMA)

    def start(self, user_id: int, lifetime: timedelta) -> str:
        """A new session's token (for the cookie); sessions already expired are cleared."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.database.connect() as connection:
            connection.execute("DELETE FROM sessions WHERE expires_at < ?", (now.isoformat(),))
            connection.execute(
                "INSERT INTO sessions (user_id, token_sha256, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (user_id, _digest(token), now.isoformat(), (now + lifetime).isoformat()),
            )
        return token

    def user_id(self, token: str) -> int | None:
        """The user of this live session (not ended, not expired), or None."""
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT user_id FROM sessions WHERE token_sha256 = ? AND revoked_at IS NULL"
                " AND expires_at > ?",
                (_digest(token), _now()),
            ).fetchone()
        return int(row["user_id"]) if row is not None else None

    def end(self, token: str) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE sessions SET revoked_at = ? WHERE token_sha256 = ? AND revoked_at IS NULL",
                (_now(), _digest(token)),
            )

    def end_all(self, user_id: int, keep: str | None = None) -> int:
        """End every session of the user but `keep`'s; returns how many ended."""
        kept = _digest(keep) if keep is not None else ""
        with self.database.connect() as connection:
            cursor = connection.execute(
                "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"
                " AND token_sha256 != ?",
                (_now(), user_id, kept),
            )
        return cursor.rowcount
