"""Alert rules run on every batch the indexing stage writes, before its spool cursor moves: a
crash in between evaluates the batch again, and the outbox still alerts once per document."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.accounts.users import Role, UserStore
from api.alerting.engine import build_alert_engine
from api.alerting.rules import AlertRuleIn, AlertRuleStore
from api.config import ApiSettings
from api.database import ConsoleDatabase
from crawlers.spool import SpoolWriter
from index.embedded import EmbeddedIndex
from tests.factories import make_document
from track4tip.pipeline import IndexingStage, SpoolPaths, StageTotals


def _spool(paths: SpoolPaths, documents) -> None:
    writer = SpoolWriter(paths.analysed)
    for document in documents:
        writer.append(document)
    writer.close()


def test_alerts_follow_indexing_and_survive_a_crash(tmp_path: Path):
    paths = SpoolPaths.under(tmp_path)
    high = make_document(title="Modelos al exterior", risk_score=0.9)
    low = make_document(title="Cocinero", risk_score=0.1)
    _spool(paths, [high, low])
    database = ConsoleDatabase(tmp_path / "console.sqlite3")
    owner = UserStore(database).create("guardia", "correct horse battery", Role.INVESTIGATOR)
    AlertRuleStore(database).create(
        AlertRuleIn(name="alto", risk_threshold=0.8, channels=["console"]), owner
    )
    calls = []

    with EmbeddedIndex(tmp_path / "index") as index:
        index.setup()
        engine = build_alert_engine(ApiSettings(), index, database)

        def crash_after_alerting(documents) -> None:
            calls.append(engine.evaluate(documents))
            raise RuntimeError("killed between the alerts and the cursor")

        crashing = IndexingStage(paths, index, StageTotals(), on_indexed=crash_after_alerting)
        with pytest.raises(RuntimeError, match="killed"):
            crashing.run_pending(batch_size=10)
        stage = IndexingStage(paths, index, StageTotals(), on_indexed=engine.evaluate)
        assert stage.pending() == 2  # the batch was not committed: it comes again
        assert stage.run_pending(batch_size=10) == 2
        assert stage.pending() == 0

    assert calls == [1]
    deliveries = engine.outbox.list()
    assert [delivery.doc_id for delivery in deliveries] == [high.id]
