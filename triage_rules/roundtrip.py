"""A new rule-set version written as an edit of the old file's text, so the clinical comments survive.

The medical leadership reads the diff between two versions: it must show what a proposal changed and
nothing else. `edit_version_text(text, new_data, version, note)` therefore keeps the old file's text and
replaces only the YAML nodes whose value differs between the file's data and `new_data` (found with
ruamel.yaml's composer, which knows where every node starts and ends), plus the `version` value, with the
`note` as a comment on the version line. Comments, key order, quoting, line wrapping and anchors/aliases
stay as they were.

A full ruamel.yaml round-trip dump keeps comments and anchors too, but re-wraps every hand-wrapped flow
mapping (on skane-2026.1 an unchanged load → dump differs on ~580 lines), so it is only the fallback, used
when a change cannot be placed on one node (a value reached through a merge key `<<: *x`, or a shared
anchor changed in one place only). Either way the result is parsed back and must equal `new_data` exactly;
otherwise RoundTripError, and nothing is written.
"""

from __future__ import annotations

import io
import re
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from resources.datafile import load_yaml

MERGE_TAG = "tag:yaml.org,2002:merge"


class RoundTripError(ValueError):
    """The change could not be written as an edit of the old text (Swedish message)."""


class _NotSpliceable(Exception):
    pass


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


def _flow(value: Any) -> str:
    """`value` as one line of YAML in flow style (a scalar, `{…}` or `[…]`), written by the same YAML library
    (and version, 1.1) that reads rule files, so a string such as "yes" or "08:00" is quoted."""
    text = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=100_000, sort_keys=False)
    return text.strip()[1:-1].strip()  # the list's brackets


def _span(text: str, node: Node) -> tuple[int, int]:
    start, end = node.start_mark.index, node.end_mark.index
    return start, start + len(text[start:end].rstrip())


def _edits(text: str, node: Node, old: Any, new: Any, out: dict[tuple[int, int], str]) -> None:
    """Collect (span → replacement) for every node whose value differs between `old` and `new`."""
    if old == new and type(old) is type(new):
        return
    if isinstance(node, MappingNode) and isinstance(old, dict) and isinstance(new, dict):
        if any(k.tag == MERGE_TAG for k, _ in node.value):
            raise _NotSpliceable("merge key")
        children = {str(k.value): v for k, v in node.value}
        if list(old) == list(new) and set(map(str, old)) == set(children):
            for key in old:
                _edits(text, children[str(key)], old[key], new[key], out)
            return
    elif isinstance(node, SequenceNode) and isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for child, o, n in zip(node.value, old, new, strict=True):
            _edits(text, child, o, n, out)
        return
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        raise _NotSpliceable("block scalar")
    span = _span(text, node)
    replacement = (f"&{node.anchor} " if node.anchor else "") + _flow(new)
    if out.get(span, replacement) != replacement:
        raise _NotSpliceable("one anchor, two different values")
    out[span] = replacement


def _splice(text: str, data: dict[str, Any]) -> str:
    root = _yaml().compose(text)
    if not isinstance(root, MappingNode):
        raise _NotSpliceable("not a mapping")
    edits: dict[tuple[int, int], str] = {}
    _edits(text, root, load_yaml(text), data, edits)
    for (start, end), replacement in sorted(edits.items(), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _assign(node: Any, old: Any, new: Any) -> Any:
    """Make the round-trip data `node` (parsed from the old text) equal `new`, changing only what differs."""
    if old == new and type(old) is type(new):
        return node
    if isinstance(node, CommentedMap) and isinstance(old, dict) and isinstance(new, dict):
        for key in [k for k in node if k not in new]:
            del node[key]
        for key, value in new.items():
            node[key] = _assign(node[key], old[key], value) if key in node and key in old else value
        return node
    if isinstance(node, CommentedSeq) and isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, value in enumerate(new):
            node[i] = _assign(node[i], old[i], value)
        return node
    return new


def _dump(text: str, data: dict[str, Any]) -> str:
    y = _yaml()
    doc = y.load(text)
    _assign(doc, load_yaml(text), data)
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


_VERSION_LINE = re.compile(r"^(version:[ \t]*)(\S+)([ \t]*#[^\n]*)?$", re.MULTILINE)


def _note_on_version_line(text: str, note: str) -> str:
    comment = " ".join(line.strip() for line in note.splitlines() if line.strip())
    if not comment:
        return text
    return _VERSION_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}  # {comment}", text, count=1)


def edit_version_text(text: str, new_data: dict[str, Any], version: str, note: str = "") -> str:
    """The old file `text` edited so that it holds `new_data` as `version`, with `note` on the version line.

    Raises RoundTripError when the result would not hold exactly `new_data`."""
    data = {**new_data, "version": version}
    try:
        result = _splice(text, data)
    except _NotSpliceable:
        result = None
    if result is None or load_yaml(result) != data:
        result = _dump(text, data)
    result = _note_on_version_line(result, note)
    if load_yaml(result) != data:
        raise RoundTripError("Ändringen kunde inte skrivas med regelverkets kommentarer och ordning bevarade.")
    return result
