"""The Papiamento model: function words and spelling, both islands' orthographies."""

from __future__ import annotations

import pytest

from nlp.errors import LabelledDataError
from nlp.language import papiamento
from nlp.language.evaluation import load_labelled_texts, score_answers

FLOOR = papiamento.DEFAULT_MIN_CONFIDENCE


@pytest.mark.parametrize(
    "text",
    [
        "Nos ta buska un kushinero ku eksperensia pa nos restorant na Punda",  # Curaçao
        "Bon tardi, tin trabao pa un muher cu ta sa cushina?",  # Aruba
        "Bo sa kon bo ta saka bo sedula na Kòrsou?",
        "E trahadónan di kunuku ta traha sin deskanso",
        "Mi ta kana bai kas awor aki",
    ],
)
def test_papiamento_of_both_islands_is_recognised(text):
    confidence = papiamento.looks_papiamento(text, FLOOR)
    assert confidence is not None
    assert FLOOR <= confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Se busca cocinera con experiencia para restaurante en Bogotá",
        "Mi hermana busca trabajo, tiene dos hijos y no tiene papeles",
        "Precisa-se de garçonete, você tem experiência? manda mensagem",
        "Wij zoeken een kok voor ons restaurant, kan je morgen beginnen?",
        "We are looking for a cook, can you start tomorrow at the hotel?",
        # German knows none of the lexicons' words but a stray "den"; coverage stops it.
        "Der neue Besitzer will offenbar den ramponierten Ruf der Plattform verbessern",
        # Spanish verbs of the -nar class end in "-nan" like Papiamento plurals.
        "Ellos ganan poco y terminan tarde, pero no se quejan",
    ],
)
def test_neighbouring_languages_are_not_papiamento(text):
    assert papiamento.looks_papiamento(text, FLOOR) is None


@pytest.mark.parametrize("text", ["", "ta", "123 456", "🔥🔥🔥", "hotel ta"])
def test_too_little_evidence_gives_no_opinion(text):
    assert papiamento.looks_papiamento(text, FLOOR) is None


def test_shared_words_split_their_vote():
    # "sin" and "pero" belong to Spanish and Papiamento alike: half a vote each.
    result = papiamento.score("sin pero")
    assert (result.votes, result.confidence) == (2.0, 0.5)


def test_spelling_cues_count_for_words_no_lexicon_knows():
    plain = papiamento.score("ta bende outo")
    with_cues = papiamento.score("ta bende outonan djòmbi")
    assert with_cues.votes > plain.votes
    assert with_cues.confidence == 1.0


def test_the_floor_is_respected():
    text = "Mi ta buska un kamber pa hür, mi ta traha den hotel"
    confidence = papiamento.score(text).confidence
    assert papiamento.looks_papiamento(text, confidence) == confidence
    assert papiamento.looks_papiamento(text, min(confidence + 0.01, 1.0)) is None


def test_labelled_file_lines_that_are_broken_are_named(tmp_path):
    path = tmp_path / "labelled.jsonl"
    path.write_text(
        '{"id": "a", "language": "pap", "text": "Bon dia"}\n\n{"id": "b", "language": "es"}\n',
        encoding="utf-8",
    )
    with pytest.raises(LabelledDataError, match=r"labelled\.jsonl:3: .*text"):
        load_labelled_texts(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all\n", r":1: not a labelled text"),
        ('{"id": "a", "language": "es", "text": "x", "extra": 1}\n', r":1: .*extra"),
        ("", r"no labelled texts"),
        (b"\xff\xfe\x00broken", r"cannot read labelled texts"),
    ],
)
def test_broken_labelled_files_raise_a_clear_error(tmp_path, content, message):
    path = tmp_path / "broken.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelledDataError, match=rf"broken\.jsonl.*{message}"):
        load_labelled_texts(path)


def test_a_missing_labelled_file_is_named(tmp_path):
    with pytest.raises(LabelledDataError, match=r"nowhere\.jsonl: cannot read"):
        load_labelled_texts(tmp_path / "nowhere.jsonl")


def test_scores_count_undetermined_and_confusions():
    report = score_answers(
        gold=["es", "es", "pap", "und", "pt"],
        guessed=["es", "und", "pap", "und", "es"],
        seconds=1.0,
    )
    assert report.accuracy == 3 / 5
    assert report.undetermined_rate == 1 / 4  # of the four texts with a known language
    assert report.per_language["es"].precision == 1 / 2
    assert report.per_language["pap"].f1 == 1.0
    assert report.confusions == {("es", "und"): 1, ("pt", "es"): 1}
    assert report.texts_per_second == 5.0
