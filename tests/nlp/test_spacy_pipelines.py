"""LanguagePipelines: which pipeline each language gets, folded norms, offsets, caching."""

from __future__ import annotations

import pytest

from nlp.language.folding import fold_token_text
from nlp.language.spacy_pipelines import (
    FOLDED_NORM,
    LanguagePipelines,
    pipeline_key,
)

PIPELINES = LanguagePipelines(batch_size=8)


@pytest.mark.parametrize(
    ("language", "key"),
    [("es", "es"), ("EN", "en"), ("pt", "pt"), ("nl", "nl"), ("pap", "xx"), ("und", "xx"),
     ("", "xx"), ("zz", "xx")],
)  # fmt: skip
def test_languages_map_to_pipelines(language, key):
    assert pipeline_key(language) == key


def test_trained_pipelines_leave_out_the_parser_and_end_with_folding():
    for language in ("es", "en"):
        nlp = PIPELINES.get(language)
        assert "parser" not in nlp.pipe_names
        assert {"lemmatizer", "ner"} <= set(nlp.pipe_names)
        assert nlp.pipe_names[-1] == FOLDED_NORM
        assert PIPELINES.has_trained_pipeline(language)
    assert PIPELINES.get("es") is PIPELINES.get("es")


def test_lemmas_norms_and_offsets():
    text = "¡PASAJES pagados! Damas de Compañía, pa\u200bsaporte retenido."
    [doc] = PIPELINES.parse([text], "es")
    assert doc.text == text
    norms = [token.norm_ for token in doc]
    assert {"pasajes", "compania", "pasaporte"} <= set(norms)
    assert any(token.lemma_ == "pagado" for token in doc)
    for token in doc:
        assert text[token.idx : token.idx + len(token.text)] == token.text
    assert len(list(doc.sents)) == 2


def test_portuguese_gets_lookup_lemmas_and_papiamento_folded_words():
    [pt] = PIPELINES.parse(["passagens pagas trabalhando"], "pt")
    assert [token.lemma_ for token in pt] == ["passagem", "pago", "trabalhar"]
    [pap] = PIPELINES.parse(["Pasashi pagá pa Kòrsou"], "pap")
    assert [token.norm_ for token in pap] == ["pasashi", "paga", "pa", "korsou"]


def test_parse_keeps_order_and_handles_empty_and_odd_texts():
    texts = ["", "😀😀", "\u200b\u200b", "uno", "w h a t s a p p"]
    docs = PIPELINES.parse(texts, "en")
    assert [doc.text for doc in docs] == texts


def test_fold_token_text():
    assert fold_token_text("CompañÍA") == "compania"
    assert fold_token_text("pa\u200bsa\u200djes") == "pasajes"
    assert fold_token_text("\u200b") == ""
