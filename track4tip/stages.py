"""Building the analysis and indexing stages of one data folder, as `run`, `index`, `analyze`
and `watch` use them. Each stage's libraries are imported here, where the stage is built, so
that `track4tip --help`, `search` and `users` start without Scrapy, spaCy or torch, and a crawl
without the NLP (tests/test_import_weight.py)."""

from __future__ import annotations

from pathlib import Path

from api.alerting.engine import AlertEngine, build_alert_engine
from api.config import ApiSettings
from index.backends import open_index
from index.config import IndexSettings
from linking.config import LinkingSettings
from nlp.config import NlpSettings
from track4tip.pipeline import AnalysisStage, IndexingStage, SpoolPaths, StageTotals
from track4tip.users_commands import open_console_database


def build_analysis(data_dir: Path, totals: StageTotals) -> AnalysisStage:
    from nlp.pipeline import Analyzer

    analyser = Analyzer.from_settings(NlpSettings())
    return AnalysisStage(SpoolPaths.under(data_dir), analyser, totals)


def build_indexing(
    data_dir: Path, totals: StageTotals, count_sites: bool = False
) -> tuple[IndexingStage, AlertEngine]:
    """The indexing stage, with linking and the alert rules on every newly indexed batch
    (api/alerting/engine.py); `count_sites`: count new/changed/taken down per site."""
    from linking.step import LinkingStep

    index_settings = IndexSettings(data_dir=data_dir)
    backend = open_index(index_settings)
    database = open_console_database(ApiSettings(), index_settings)
    alerts = build_alert_engine(ApiSettings(), backend, database)
    linking = LinkingStep.open(data_dir, LinkingSettings(), NlpSettings())
    stage = IndexingStage(
        SpoolPaths.under(data_dir),
        backend,
        totals,
        linking=linking,
        on_indexed=alerts.evaluate,
        count_sites=count_sites,
    )
    return stage, alerts
