"""GEXF 1.3 and GraphML writers for Gephi: documents and identifiers as nodes, "carries" edges.

Both write as they iterate, so a network of any size is exported without holding its XML in
memory: nodes first (a list, small), then edges from any iterable. Every attribute value is a
string, escaped for XML; characters XML 1.0 forbids (control characters) are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

# Node attributes every export declares, in this order; missing ones are written empty.
NODE_ATTRIBUTES = ("type", "kind", "site", "country", "date", "degree")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class GraphNode:
    id: str
    type: str
    label: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    label: str = "carries"


def write_gexf(nodes: Iterable[GraphNode], edges: Iterable[GraphEdge], out: TextIO) -> int:
    """Write a GEXF 1.3 document; returns the number of edges written."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<gexf xmlns="http://gexf.net/1.3" version="1.3">\n')
    out.write("  <meta><creator>track4tip</creator></meta>\n")
    out.write('  <graph defaultedgetype="undirected" mode="static">\n')
    out.write('    <attributes class="node">\n')
    for index, name in enumerate(NODE_ATTRIBUTES):
        out.write(f'      <attribute id="{index}" title="{name}" type="string"/>\n')
    out.write("    </attributes>\n    <nodes>\n")
    for node in nodes:
        out.write(f"      <node id={_attr(node.id)} label={_attr(node.label)}><attvalues>")
        for index, name in enumerate(NODE_ATTRIBUTES):
            out.write(f'<attvalue for="{index}" value={_attr(_value(node, name))}/>')
        out.write("</attvalues></node>\n")
    out.write("    </nodes>\n    <edges>\n")
    count = 0
    for count, edge in enumerate(edges, start=1):
        out.write(
            f'      <edge id="e{count}" source={_attr(edge.source)} '
            f"target={_attr(edge.target)} label={_attr(edge.label)}/>\n"
        )
    out.write("    </edges>\n  </graph>\n</gexf>\n")
    return count


def write_graphml(nodes: Iterable[GraphNode], edges: Iterable[GraphEdge], out: TextIO) -> int:
    """Write a GraphML document; returns the number of edges written."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    for name in ("label", *NODE_ATTRIBUTES):
        out.write(f'  <key id="{name}" for="node" attr.name="{name}" attr.type="string"/>\n')
    out.write('  <key id="edge_label" for="edge" attr.name="label" attr.type="string"/>\n')
    out.write('  <graph id="track4tip" edgedefault="undirected">\n')
    for node in nodes:
        out.write(f"    <node id={_attr(node.id)}>")
        out.write(f'<data key="label">{_text(node.label)}</data>')
        for name in NODE_ATTRIBUTES:
            out.write(f'<data key="{name}">{_text(_value(node, name))}</data>')
        out.write("</node>\n")
    count = 0
    for count, edge in enumerate(edges, start=1):
        out.write(
            f'    <edge id="e{count}" source={_attr(edge.source)} target={_attr(edge.target)}>'
            f'<data key="edge_label">{_text(edge.label)}</data></edge>\n'
        )
    out.write("  </graph>\n</graphml>\n")
    return count


def _value(node: GraphNode, name: str) -> str:
    return node.type if name == "type" else node.attributes.get(name, "")


def _attr(value: str) -> str:
    return quoteattr(_XML_FORBIDDEN.sub("", value))


def _text(value: str) -> str:
    return escape(_XML_FORBIDDEN.sub("", value))
