"""Take-downs of ads that live only as cards on a listing (Computrabajo, Indeed, elempleo).

A card board's ads are never fetched one by one, so the page-level state of
crawlers/incremental.py never sees them vanish. `CardState` (a `cards` table in the same
`crawl_state.sqlite`) keeps, per source and canonical ad URL, the hash of the card's text, when
it was last seen and how many fully crawled listings in a row it was missing from.

A listing counts as fully crawled (`ListingSweep.complete`) when every listing page requested
was fetched and parsed without an error and each showed at least one card: one failed page, a
block page or a changed layout must not read as "every ad is gone". Only then is each known card
that was not seen counted absent once, and its own URL asked for: a 404 or 410 takes it down at
once (that answer is its capture); otherwise it is taken down after the profile's
`takedown_after_absences` (default 3) consecutive absences. A card seen again starts over at 0.

A card whose text is as the last crawl stored it is not spooled again (counted `unchanged`); its
hash is stored only after its Document is spooled, so a failed spool is retried next crawl.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crawlers.state_database import StateDatabase
from index.document import utc_now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    site TEXT NOT NULL, url TEXT NOT NULL, sha256 TEXT NOT NULL, last_seen TEXT NOT NULL,
    absences INTEGER NOT NULL DEFAULT 0, gone_at TEXT, PRIMARY KEY (site, url)
)
"""


@dataclass(frozen=True)
class AbsentCard:
    url: str
    last_seen: datetime
    absences: int


class CardState(StateDatabase):
    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    def stored_hash(self, site: str, url: str) -> str | None:
        """The hash of the card as last spooled, None when new or taken down since."""
        with self._db() as conn:
            row = conn.execute(
                "SELECT sha256 FROM cards WHERE site = ? AND url = ? AND gone_at IS NULL",
                (site, url),
            ).fetchone()
        return row[0] if row else None

    def seen(self, site: str, url: str, sha256: str) -> None:
        with self._db() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO cards VALUES (?, ?, ?, ?, 0, NULL)",
                (site, url, sha256, utc_now().isoformat()),
            )

    def count_absences(self, site: str, seen: set[str]) -> list[AbsentCard]:
        """Each active card of the source not in `seen`, one absence more."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT url, last_seen, absences FROM cards WHERE site = ? AND gone_at IS NULL",
                (site,),
            ).fetchall()
            absent = [
                AbsentCard(url, datetime.fromisoformat(last), count + 1)
                for url, last, count in rows
                if url not in seen
            ]
            conn.executemany(
                "UPDATE cards SET absences = ? WHERE site = ? AND url = ?",
                [(card.absences, site, card.url) for card in absent],
            )
        return absent

    def mark_gone(self, site: str, url: str) -> None:
        with self._db() as conn:
            conn.execute(
                "UPDATE cards SET gone_at = ? WHERE site = ? AND url = ?",
                (utc_now().isoformat(), site, url),
            )


@dataclass
class ListingSweep:
    """One crawl's view of a card board's listing: which cards it saw, and whether it saw the
    whole listing (see the module docstring)."""

    seen: set[str] = field(default_factory=set)
    pages_parsed: int = 0
    incomplete: str | None = None
    swept: bool = False

    @property
    def complete(self) -> bool:
        return self.pages_parsed > 0 and self.incomplete is None

    def spoil(self, why: str) -> None:
        self.incomplete = self.incomplete or why
