"""YAML loading that remembers the line of every value, so errors can name file and line."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class LocatedYaml:
    """A YAML document's data and the 1-based line where each value (by key path) starts."""

    data: object
    lines: dict[Path_, int]

    def line_of(self, path: Path_) -> int:
        """The line of `path`, or of its closest ancestor that has one (1 for the document)."""
        for length in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:length]))
            if line is not None:
                return line
        return 1


def load_located(text: str) -> LocatedYaml:
    """Parse `text` safely; raises `yaml.YAMLError` (with its mark) when it is not YAML."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return LocatedYaml(None, {(): 1})
        data = loader.construct_document(root)
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    _record_lines(root, (), lines)
    return LocatedYaml(data, lines)


def _record_lines(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                _record_lines(value_node, (*path, key_node.value), lines)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _record_lines(item, (*path, position), lines)


def yaml_error_line(error: yaml.YAMLError) -> int | None:
    """The 1-based line a YAML syntax error points at, when it has one."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else None
