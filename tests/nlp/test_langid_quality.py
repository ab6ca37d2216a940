"""Quality gate of language identification: pinned floors that can only be lowered on purpose.

The floors sit a little under what was measured (bench/compare_langid.py, README "Language
identification") on the labelled short ads (tests/nlp/data/langid_labelled.jsonl) and on real
captures in ../shared/realweb. Raising a floor after an improvement is welcome; lowering one
needs a reason in the commit message. Runs in about ten seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura

from nlp.config import DEFAULT_LANGUAGES
from nlp.language.evaluation import LanguageReport, evaluate, load_labelled_texts
from nlp.language.identification import LanguageIdentifier

LABELLED = Path(__file__).parent / "data" / "langid_labelled.jsonl"
REALWEB = Path(__file__).resolve().parents[3] / "shared" / "realweb"

# backend -> (accuracy, largest "und" rate, {language: (precision, recall)}). Measured:
# fasttext 0.958, und 0.030; es 0.967/0.967, pt 0.987/0.907, en 0.977/1.0, nl 1.0/0.951,
# pap 1.0/1.0. langdetect 0.915, und 0.053; es 0.954/0.922, pt 0.963/0.919, en 0.933/0.965,
# nl 1.0/0.817, pap 1.0/1.0.
FLOORS = {
    "fasttext": (
        0.95,
        0.04,
        {
            "es": (0.96, 0.96),
            "pt": (0.98, 0.90),
            "en": (0.97, 0.99),
            "nl": (0.99, 0.94),
            "pap": (0.99, 0.99),
        },
    ),
    "langdetect": (
        0.90,
        0.06,
        {
            "es": (0.94, 0.91),
            "pt": (0.95, 0.91),
            "en": (0.92, 0.95),
            "nl": (0.99, 0.80),
            "pap": (0.99, 0.99),
        },
    ),
}


@pytest.fixture(scope="module")
def reports() -> dict[str, LanguageReport]:
    samples = load_labelled_texts(LABELLED)
    return {
        backend: evaluate(
            LanguageIdentifier(languages=DEFAULT_LANGUAGES, backend=backend).identify, samples
        )
        for backend in FLOORS
    }


@pytest.mark.parametrize("backend", FLOORS)
def test_labelled_short_ads_keep_their_floors(reports, backend):
    accuracy, max_undetermined, per_language = FLOORS[backend]
    report = reports[backend]
    assert report.accuracy >= accuracy
    assert report.undetermined_rate <= max_undetermined
    for language, (precision, recall) in per_language.items():
        scores = report.per_language[language]
        assert (language, scores.precision) >= (language, precision)
        assert (language, scores.recall) >= (language, recall)


@pytest.mark.parametrize("backend", FLOORS)
def test_papiamento_does_not_steal_spanish_or_portuguese(reports, backend):
    confusions = reports[backend].confusions
    stolen = {gold: confusions.get((gold, "pap"), 0) for gold in ("es", "pt", "en", "nl", "und")}
    assert stolen == dict.fromkeys(stolen, 0)


def _paragraphs(relative: str) -> list[str]:
    html = (REALWEB / relative).read_text(encoding="utf-8", errors="replace")
    text = trafilatura.extract(html) or ""
    return [line for line in text.splitlines() if len(line) >= 40]


def test_a_real_papiamento_article_is_papiamento_paragraph_by_paragraph():
    identifier = LanguageIdentifier(languages=DEFAULT_LANGUAGES)
    paragraphs = _paragraphs("24ora.com/24ora.com-internationalschol.html")
    assert len(paragraphs) >= 3
    assert [identifier.identify(paragraph)[0] for paragraph in paragraphs] == ["pap"] * len(
        paragraphs
    )


@pytest.mark.parametrize(
    ("relative", "language"),
    [
        ("diariolibre.com/diariolibre.com-republica.html", "es"),
        ("elnacional.com/elenacional.com-carta.html", "es"),
        ("trome.pe/trome.pe-chollywood.html", "es"),
        ("gazetadopovo.com.br/gazetadopovo.com.br-pacheco.html", "pt"),
        ("correio24horas.com.br/correio24horas.com.br-PMS.html", "pt"),
    ],
)
def test_real_spanish_and_portuguese_paragraphs_are_never_papiamento(relative, language):
    identifier = LanguageIdentifier(languages=DEFAULT_LANGUAGES)
    answers = [identifier.identify(paragraph)[0] for paragraph in _paragraphs(relative)]
    assert "pap" not in answers
    assert answers.count(language) >= 0.9 * len(answers)
