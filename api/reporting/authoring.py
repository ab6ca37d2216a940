"""Writing a report: check the body, store a new report or version, record it in the audit log.

One piece for the JSON routes (api/routes/reports.py) and the console's forms
(api/console/report_pages.py), built per request by `api.deps.ReportAuthoringDep`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from api.accounts.users import User
from api.annotations.audit import AuditLog
from api.reporting.rendering import ReportRenderer, checked_body
from api.reporting.store import Report, ReportIn, ReportStore, StoredBody
from index.base import IndexBackend


@dataclass(frozen=True)
class ReportAuthoring:
    user: User
    index: IndexBackend
    reports: ReportStore
    renderer: ReportRenderer
    audit: AuditLog
    evidence_dir: Path | None

    def create(self, body: ReportIn) -> Report:
        report = self.reports.create(self._checked(body), self.user.username)
        self.audit.record(self.user, "report_create", str(report.id), {"title": report.title})
        return report

    def save(self, report_id: int, body: ReportIn) -> Report:
        """A new version of an existing report (404 before the work of checking the body)."""
        self.reports.get(report_id)
        report = self.reports.save(report_id, self._checked(body), self.user.username)
        self.audit.record(self.user, "report_save", str(report.id), {"version": report.version})
        return report

    def _checked(self, body: ReportIn) -> StoredBody:
        return checked_body(body, self.index, self.renderer, self.user.username, self.evidence_dir)
