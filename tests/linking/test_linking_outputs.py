"""Templates of clusters, the quality gate of clustering, and the Gephi exports."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import networkx
import pytest

from linking.config import LinkingSettings
from linking.evaluation import emscad_truth, evaluate_linking, score_clusters, synthetic_ads
from linking.graph_export import GraphEdge, GraphNode, write_gexf, write_graphml
from linking.linker import Linker
from linking.templates import summarise, tokenize
from nlp.errors import LabelledDataError
from tests.nlp.demo_documents import page_inputs, post_inputs

EMSCAD = Path(__file__).resolve().parents[3] / "shared" / "data" / "emscad" / "train.csv"
TEMPLATE = "Se buscan chicas para {city}. Pasaje pagado y alojamiento incluido. Llamar al {phone}."


def member(city: str, phone: str) -> list:
    text = TEMPLATE.format(city=city, phone=phone)
    start = text.index(phone)
    return tokenize(text, [("phone", start, start + len(phone), phone.replace(" ", ""))])


def test_template_keeps_shared_words_and_slots_what_varies():
    template = summarise(
        [member(city, f"+58 412 555 {n}") for n, city in enumerate(["Aruba", "Lima", "Quito"])]
    )
    assert template.text == (
        "Se buscan chicas para [text] . Pasaje pagado y alojamiento incluido . Llamar al [phone] ."
    )
    assert [slot.kind for slot in template.slots] == ["text", "phone"]
    assert template.slots[0].values == ["Aruba", "Lima", "Quito"]
    assert template.templated and template.compression < 1


def test_unrelated_texts_are_not_templated_and_empty_clusters_refused():
    texts = [
        "vendo moto roja barata",
        "clases de portugués online",
        "alquilo cuarto en lima centro",
    ]
    assert not summarise([tokenize(text) for text in texts]).templated
    with pytest.raises(ValueError, match="at least one member"):
        summarise([])


def test_cluster_scores_count_pairs_and_bcubed():
    truth = {"a": "1", "b": "1", "c": "2", "d": "3"}
    predicted = {"a": "x", "b": "x", "c": "x", "d": "y"}
    scores = score_clusters(predicted, truth)
    assert scores.pairwise_precision == pytest.approx(1 / 3)
    assert scores.pairwise_recall == 1.0
    assert scores.bcubed_recall == 1.0
    assert scores.bcubed_precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    with pytest.raises(ValueError, match="same documents"):
        score_clusters({"a": "x"}, truth)


def test_quality_on_synthetic_multilingual_templates():
    """Floors pinned on purpose (bench/bench_linking.py --evaluate prints the figures)."""
    ads = synthetic_ads()
    assert {ad.language for ad in ads} == {"es", "pt", "en", "nl", "pap"}
    scores = evaluate_linking(ads, LinkingSettings())
    assert scores.pairwise_precision >= 0.99 and scores.pairwise_recall >= 0.95
    # Wording alone: even without risk markers, benign twins stay out of risky clusters.
    unmarked = evaluate_linking(ads, LinkingSettings(), use_risk_markers=False)
    assert unmarked.pairwise_precision >= 0.99


def test_quality_on_emscad_near_duplicates():
    """Strict exact truth (Jaccard >= 0.8): recall must be complete; looser pairs cost precision."""
    ads = emscad_truth(EMSCAD)
    scores = evaluate_linking(ads, LinkingSettings(), with_entities=False)
    assert scores.pairwise_recall >= 0.98
    assert scores.bcubed_precision >= 0.88 and scores.pairwise_precision >= 0.6
    strict = evaluate_linking(ads, LinkingSettings(threshold=0.8), with_entities=False)
    assert strict.bcubed_precision >= 0.93 and strict.pairwise_recall >= 0.95


def test_broken_emscad_files_name_the_file(tmp_path):
    missing = tmp_path / "missing.csv"
    with pytest.raises(LabelledDataError, match=r"missing\.csv"):
        emscad_truth(missing)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("body,label\nx,1\n")
    with pytest.raises(LabelledDataError, match=r"wrong\.csv: line 1: no 'text' column"):
        emscad_truth(wrong)


@pytest.fixture
def demo_graph(tmp_path):
    with Linker.open(tmp_path / "linking.sqlite3") as linker:
        linker.link([*page_inputs(), *post_inputs()])
        nodes, edges = linker.graph(linker.network_ids())
        yield nodes, list(edges)


def test_gexf_parses_back_with_documents_identifiers_and_edges(demo_graph):
    nodes, edges = demo_graph
    out = io.StringIO()
    assert write_gexf(nodes, edges, out) == 8
    root = ElementTree.fromstring(out.getvalue())
    namespace = {"g": "http://gexf.net/1.3"}
    assert len(root.findall(".//g:node", namespace)) == 8 + 3
    assert len(root.findall(".//g:edge", namespace)) == 8


def test_graphml_reads_in_networkx_as_three_components(demo_graph):
    nodes, edges = demo_graph
    out = io.StringIO()
    write_graphml(nodes, edges, out)
    graph = networkx.parse_graphml(out.getvalue())
    assert networkx.number_connected_components(graph) == 3
    assert graph.nodes["phone:+584125550147"]["kind"] == "phone"
    assert graph.degree["phone:+584125550147"] == 4


def test_exports_escape_markup_and_drop_control_characters():
    nodes = [
        GraphNode('doc:<a&"b">', "document", "x\x01y", {"site": "<s>"}),
        GraphNode("i", "identifier", "i"),
    ]
    out = io.StringIO()
    write_graphml(nodes, [GraphEdge('doc:<a&"b">', "i")], out)
    graph = networkx.parse_graphml(out.getvalue())
    assert graph.nodes['doc:<a&"b">']["label"] == "xy"
    gexf = io.StringIO()
    write_gexf(nodes, [], gexf)
    assert ElementTree.fromstring(gexf.getvalue()) is not None
