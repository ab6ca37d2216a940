"""A disk cache of passage embeddings keyed by text hash and encoder identity.

Training and the quality gate embed the same few thousand texts again and again; with a frozen
encoder the embedding of a text never changes, so it is computed once. Rows live in a SQLite
file per encoder identity (`<cache dir>/embeddings/<identity>.sqlite3`): a changed encoder
checkpoint, runtime, quantisation or window plan gets a new file (`Encoder.cache_identity`)
and never mixes with old vectors.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

import numpy as np

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeddings of one encoder; `embed` computes only the texts it has not seen."""

    def __init__(self, directory: Path, encoder_identity: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{_SAFE_NAME.sub('_', encoder_identity)}.sqlite3"
        with closing(sqlite3.connect(self.path)) as connection, connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
            )

    def embed(self, texts: Sequence[str], compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """One row per text (float32), from the cache or from `compute` for the missing ones."""
        keys = [text_key(text) for text in texts]
        found = self._read(set(keys))
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        if missing:
            first_text = {key: text for key, text in zip(keys, texts, strict=True)}
            vectors = np.asarray(compute([first_text[key] for key in missing]), dtype=np.float32)
            self._write(missing, vectors)
            found.update(zip(missing, vectors, strict=True))
        return np.stack([found[key] for key in keys]) if keys else np.zeros((0, 0), np.float32)

    def _read(self, keys: set[str]) -> dict[str, np.ndarray]:
        with closing(sqlite3.connect(self.path)) as connection:
            rows = connection.execute("SELECT key, vector FROM embeddings").fetchall()
        return {
            key: np.frombuffer(vector, dtype=np.float32).copy()
            for key, vector in rows
            if key in keys
        }

    def _write(self, keys: list[str], vectors: np.ndarray) -> None:
        with closing(sqlite3.connect(self.path)) as connection, connection:
            connection.executemany(
                "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)",
                [(key, vector.tobytes()) for key, vector in zip(keys, vectors, strict=True)],
            )
