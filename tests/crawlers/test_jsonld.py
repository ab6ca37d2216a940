"""JobPosting JSON-LD, on a real Computrabajo capture and on broken input."""

from __future__ import annotations

from pathlib import Path

from parsel import Selector

from crawlers.jsonld import extract_job_posting

REALWEB = Path(__file__).resolve().parents[3] / "shared" / "realweb"
COMPUTRABAJO = (
    REALWEB / "computrabajo" / "Empleo de Líder educativo de Negocios Internacionales en CUN"
    " - Bogotá, D.C..html"
)


def _page(scripts: list[str]) -> Selector:
    tags = "".join(f'<script type="application/ld+json">{script}</script>' for script in scripts)
    return Selector(text=f"<html><head>{tags}</head><body></body></html>")


def test_real_computrabajo_posting_inside_a_graph() -> None:
    posting = extract_job_posting(Selector(text=COMPUTRABAJO.read_text(encoding="utf-8")))
    assert posting is not None
    assert posting.title == "Líder educativo de Negocios Internacionales"
    assert posting.date_posted == "2026-03-04"
    assert posting.attributes["company"] == "CUN"
    assert posting.attributes["location"] == "Bogotá, D.C., Colombia"
    assert posting.attributes["valid_through"] == "2026-05-03"
    assert "salary" not in posting.attributes  # published as 0: not disclosed
    assert posting.description.startswith("Buscamos a quien lidere la innovación educativa")
    assert "<br" not in posting.description and "\n· Propósito del cargo" in posting.description


def test_broken_json_is_skipped_and_the_next_script_read() -> None:
    page = _page(
        ['{"@type": "JobPosting", "title": ', '{"@type": ["JobPosting"], "title": "Chef"}']
    )
    posting = extract_job_posting(page)
    assert posting is not None and posting.title == "Chef"


def test_salary_range_and_list_of_locations() -> None:
    script = """{"@type": "http://schema.org/JobPosting", "title": "Enfermera",
      "baseSalary": {"currency": "PEN", "value": {"minValue": 2000, "maxValue": 2600,
      "unitText": "MONTH"}}, "jobLocation": [{"address": {"addressLocality": "Lima"}},
      {"address": {"addressLocality": "Callao", "addressCountry": "PE"}}]}"""
    posting = extract_job_posting(_page([script]))
    assert posting is not None
    assert posting.attributes["salary"] == "PEN 2000-2600 / MONTH"
    assert posting.attributes["location"] == "Lima, Callao, PE"


def test_no_posting_gives_none() -> None:
    assert extract_job_posting(_page(['{"@type": "Organization", "name": "X"}'])) is None
    assert extract_job_posting(_page(["not json at all"])) is None
    assert extract_job_posting(Selector(text="<html><body>plain</body></html>")) is None
