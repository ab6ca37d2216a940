"""Saved searches: each user's named searches, kept as the `SearchQuery` they ran.

The query is stored as JSON with only the fields that differ from the defaults (words,
filters, sort, size), so a saved search keeps meaning the same thing when new filters with
defaults appear. Paging is not saved: running one starts at the page asked for. Alert rules
(api/alerting/engine.py) name a saved search and read its query from here.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from pydantic import BaseModel, Field, ValidationError

from api.accounts.users import User
from api.database import ConsoleDatabase
from api.errors import InvalidRecord, RecordConflict, RecordNotFound
from index.errors import InvalidQuery
from index.queries import SearchQuery, parse_query_string

MAX_NAME_LENGTH = 200
# Fields of a SearchQuery that a saved search does not keep.
NOT_SAVED = frozenset({"page", "ids", "histogram"})

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_searches (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, name)
);
"""


class SavedSearch(BaseModel, frozen=True):
    id: int
    user_id: int
    name: str
    query: SearchQuery = Field(description="Words, filters, sort and size of the search.")
    created_at: datetime
    updated_at: datetime


def checked_query(query: SearchQuery) -> SearchQuery:
    """The query as saved: paging, id lists and histograms dropped; its words must parse."""
    try:
        parse_query_string(query.q)
    except InvalidQuery as refused:
        raise InvalidRecord(f"query.q: {refused}") from None
    kept = query.model_dump(exclude=set(NOT_SAVED))
    return SearchQuery.model_validate(kept)


def page_of(query: SearchQuery, page: int, size: int | None = None) -> SearchQuery:
    """The saved query asking for one page of results (validated again: page * size)."""
    values = query.model_dump()
    values.update(page=page, size=size or query.size)
    try:
        return SearchQuery.model_validate(values)
    except ValidationError as error:
        raise InvalidRecord(error.errors(include_url=False)[0]["msg"]) from None


def _saved(row: sqlite3.Row) -> SavedSearch:
    return SavedSearch(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        query=SearchQuery.model_validate(json.loads(row["query"])),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def _name(name: str) -> str:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= MAX_NAME_LENGTH:
        raise InvalidRecord(f"a name needs 1 to {MAX_NAME_LENGTH} characters")
    return cleaned


class SavedSearchStore:
    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database
        database.ensure_schema("saved_searches", SCHEMA)

    def save(self, user: User, name: str, query: SearchQuery) -> SavedSearch:
        stored = checked_query(query).model_dump_json(exclude_defaults=True)
        now = datetime.now(UTC).isoformat()
        try:
            with self.database.connect() as connection:
                cursor = connection.execute(
                    "INSERT INTO saved_searches (user_id, name, query, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (user.id, _name(name), stored, now, now),
                )
        except sqlite3.IntegrityError:
            raise RecordConflict(f"you have a saved search named {name.strip()!r}") from None
        return self.get(cursor.lastrowid or 0)

    def update(
        self, user: User, search_id: int, name: str | None, query: SearchQuery | None
    ) -> SavedSearch:
        current = self.get(search_id, owner=user)
        stored = checked_query(query or current.query).model_dump_json(exclude_defaults=True)
        try:
            with self.database.connect() as connection:
                connection.execute(
                    "UPDATE saved_searches SET name = ?, query = ?, updated_at = ? WHERE id = ?",
                    (
                        _name(name if name is not None else current.name),
                        stored,
                        datetime.now(UTC).isoformat(),
                        search_id,
                    ),
                )
        except sqlite3.IntegrityError:
            raise RecordConflict(f"you have a saved search named {name!r}") from None
        return self.get(search_id)

    def get(self, search_id: int, owner: User | None = None) -> SavedSearch:
        """The saved search; with `owner`, only theirs (another's is 'not found')."""
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT * FROM saved_searches WHERE id = ?", (search_id,)
            ).fetchone()
        if row is None or (owner is not None and row["user_id"] != owner.id):
            raise RecordNotFound(f"no saved search with id {search_id}")
        return _saved(row)

    def of_user(self, user: User) -> list[SavedSearch]:
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT * FROM saved_searches WHERE user_id = ? ORDER BY name", (user.id,)
            ).fetchall()
        return [_saved(row) for row in rows]

    def delete(self, user: User, search_id: int) -> SavedSearch:
        saved = self.get(search_id, owner=user)
        try:
            with self.database.connect() as connection:
                connection.execute("DELETE FROM saved_searches WHERE id = ?", (search_id,))
        except sqlite3.IntegrityError:
            # Another table (an alert rule) still points at it.
            raise RecordConflict(
                f"saved search {search_id} is still used (by an alert rule?); remove that first"
            ) from None
        return saved
