"""Highlights are cut from the shared analysis, with no engine involved."""

from __future__ import annotations

from index.highlight import FRAGMENT_CHARS, MAX_FRAGMENTS, highlight
from index.queries import parse_query_string
from tests.factories import make_document


def test_title_is_marked_whole_and_text_in_fragments():
    document = make_document(title="Pasaporte urgente", text="Tramito pasaportes en 24 horas.")
    found = highlight(document, parse_query_string("pasaporte"))
    assert found == {
        "title": ["<mark>Pasaporte</mark> urgente"],
        "text": ["Tramito <mark>pasaportes</mark> en 24 horas."],
    }


def test_long_text_gives_at_most_three_short_fragments():
    filler = "palabra " * 40
    text = (filler + "visa ") * 6 + filler
    found = highlight(make_document(text=text), parse_query_string("visas"))
    assert len(found["text"]) == MAX_FRAGMENTS
    for fragment in found["text"]:
        assert fragment.count("<mark>visa</mark>") >= 1
        assert len(fragment.replace("<mark>", "").replace("</mark>", "")) <= FRAGMENT_CHARS + 2
        assert fragment.startswith("…") and fragment.endswith("…")


def test_phrase_words_are_each_marked():
    document = make_document(text="Buscamos damas de compañía para eventos")
    found = highlight(document, parse_query_string('"damas de compania"'))
    assert found["text"] == ["Buscamos <mark>damas</mark> de <mark>compañía</mark> para eventos"]


def test_excluded_words_and_empty_queries_mark_nothing():
    document = make_document(text="Cocina y limpieza")
    assert highlight(document, parse_query_string("-cocina")) == {}
    assert highlight(document, parse_query_string("")) == {}


def test_markup_in_the_text_is_escaped():
    document = make_document(title="a < b", text='Modelo "top" <img src=x onerror=alert(1)>')
    found = highlight(document, parse_query_string("modelo"))
    assert found == {
        "text": ["<mark>Modelo</mark> &quot;top&quot; &lt;img src=x onerror=alert(1)&gt;"]
    }
