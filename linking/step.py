"""Wiring of linking into indexing: each batch joins its near-duplicate clusters and networks.

Linking runs where documents are indexed, because its state (`<data dir>/linking.sqlite3`)
must follow the index: a batch is linked, its documents carry their cluster and network ids
and a risk re-scored with that evidence when they are written, and the older documents whose
clusters or networks grew are updated in place (`IndexBackend.relink`). Linking a document id
again (a rerun after a crash, a re-crawl) is idempotent, so a batch linked but not indexed is
simply linked again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.base import IndexBackend, LinkUpdate
from index.document import Document
from linking.config import LinkingSettings
from linking.linker import DocumentLinks, Linker, LinkInput
from nlp.config import NlpSettings
from nlp.indicators.taxonomy import read_taxonomy_file
from nlp.risk import assess
from nlp.types import NetworkEvidence, Risk, Strength

LINKING_FILE = "linking.sqlite3"
# Weak hits and sector tags describe most honest ads too; they must not keep a benign ad and
# its risky copy apart, nor bring them together.
_RISKY_STRENGTHS = {Strength.STRONG, Strength.MEDIUM}


def link_input(document: Document) -> LinkInput:
    return LinkInput(
        doc_id=document.id,
        fields=document.analysed_fields,
        entities=document.entities,
        site=document.source.site,
        country=document.source.country,
        date=document.published_at or document.fetched_at,
        url=document.canonical_url,
        risky=any(hit.strength in _RISKY_STRENGTHS for hit in document.indicators),
    )


class LinkingStep:
    """Links batches of analysed documents; built once per process from the data folder."""

    def __init__(self, linker: Linker, indicator_name: Callable[[str], str]) -> None:
        self.linker = linker
        self.indicator_name = indicator_name

    @classmethod
    def open(
        cls, data_dir: Path, settings: LinkingSettings, nlp_settings: NlpSettings
    ) -> LinkingStep:
        """`nlp_settings` name the taxonomy and language that re-scored risks explain with."""
        indicators = {
            item.id: item for item in read_taxonomy_file(nlp_settings.taxonomy_path).indicators
        }

        def indicator_name(indicator_id: str) -> str:
            # Older documents may carry an indicator a newer taxonomy renamed or dropped.
            try:
                return indicators[indicator_id].name(nlp_settings.explanation_language)
            except KeyError:
                return indicator_id.replace("_", " ")

        data_dir.mkdir(parents=True, exist_ok=True)
        return cls(Linker.open(data_dir / LINKING_FILE, settings), indicator_name)

    def link(self, documents: list[Document], backend: IndexBackend) -> list[Document]:
        """The batch with its links; older documents whose links changed are relinked."""
        if not documents:
            return documents
        links = self.linker.link([link_input(document) for document in documents]).by_id
        batch_ids = {document.id for document in documents}
        linked = [self._linked(document, links.get(document.id)) for document in documents]
        older = {doc_id: found for doc_id, found in links.items() if doc_id not in batch_ids}
        if older:
            stored = backend.latest(older)
            backend.relink(
                LinkUpdate(
                    doc_id,
                    older[doc_id].cluster_ids,
                    older[doc_id].network_ids,
                    self._risk(document, older[doc_id].evidence),
                )
                for doc_id, document in stored.items()
            )
        return linked

    def _linked(self, document: Document, links: DocumentLinks | None) -> Document:
        if links is None:
            return document
        risk = self._risk(document, links.evidence)
        return document.with_links(links.cluster_ids, links.network_ids, risk)

    def _risk(self, document: Document, evidence: NetworkEvidence) -> Risk | None:
        if document.risk is None:
            return None
        return assess(
            document.indicators,
            self.indicator_name,
            document.classifier,
            evidence,
            kind=document.source.kind,
        )

    def close(self) -> None:
        self.linker.close()
