"""The one way a YAML file of the project is read and validated into its strict model.

Every loader under conf/, schemas/ and expectations/ goes through here, so every config
error has one shape, naming the file, the line (when the file has one for it) and the field:
`<file>: line <n>: field '<dotted.path>': <what is wrong>`.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from suizhi.errors import ConfigError

Loc = tuple[str | int, ...]
M = TypeVar("M")
_FROM_FILE: Any = object()


class Strict(BaseModel):
    """The base of every config model: an unknown key is an error, not a setting silently
    ignored, and a loaded value cannot change under the code that reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def dotted(loc: Loc) -> str:
    """How a message names a field: 'connector.table', 'indicators.2.weight', '(top level)'."""
    return ".".join(str(p) for p in loc) or "(top level)"


@dataclasses.dataclass(frozen=True)
class Document:
    """One YAML file as read: its data, the 1-based line of every key and item, and keys given twice."""

    path: Path
    data: Any
    lines: dict[Loc, int]
    duplicates: tuple[Loc, ...] = ()

    def line(self, loc: Loc) -> int | None:
        """The line of loc, else of its deepest ancestor in the file (the mapping a missing key
        belongs in); None when only the whole document holds it. Parts of loc that are not in
        the file (a union's tag, which pydantic adds) are passed over."""
        found: Loc = ()
        for part in loc:
            key = part if isinstance(part, int) else str(part)
            if found + (key,) in self.lines:
                found += (key,)
        return self.lines.get(found) if found else None

    def problem(self, loc: Loc, msg: str) -> str:
        """One error line naming this file, the line of loc when known, and the field."""
        line = self.line(loc)
        where = f"{self.path}: line {line}" if line is not None else f"{self.path}"
        return f"{where}: field '{dotted(loc)}': {msg}"

    def validate(self, model: type[M] | TypeAdapter, data: Any = _FROM_FILE, prefix: Loc = ()) -> M:
        """data (the whole file unless given) as model; raises ConfigError naming file, line and
        field of every problem, keys given twice included. prefix is where data sits in the file."""
        data = self.data if data is _FROM_FILE else data
        problems = [self.problem(loc, "given more than once") for loc in self.duplicates
                    if loc[:len(prefix)] == prefix]
        adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
        try:
            value = adapter.validate_python(data)
        except ValidationError as err:
            problems += [self.problem(prefix + tuple(e["loc"]), e["msg"]) for e in err.errors()]
        if problems:
            raise ConfigError(problems) from None
        return value


class _MarkedLoader(yaml.SafeLoader):
    """A SafeLoader that also records the line of every mapping key and sequence item."""

    def load_document(self) -> tuple[Any, dict[Loc, int], list[Loc]]:
        node = self.get_single_node()
        if node is None:
            return None, {}, []
        lines: dict[Loc, int] = {}
        duplicates: list[Loc] = []
        self._record(node, (), lines, duplicates, set())
        return self.construct_document(node), lines, duplicates

    def _record(self, node, path: Loc, lines: dict[Loc, int], duplicates: list[Loc], active: set[int]) -> None:
        if id(node) in active:  # a recursive alias: its contents are recorded already
            return
        active.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = path + (str(key.value),)
                if sub in lines:
                    duplicates.append(sub)
                lines[sub] = key.start_mark.line + 1
                self._record(value, sub, lines, duplicates, active)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[path + (i,)] = item.start_mark.line + 1
                self._record(item, path + (i,), lines, duplicates, active)
        active.discard(id(node))


def read_yaml(path: Path | str) -> Document:
    """The file at path with the line of each key and item; raises ConfigError naming the
    file (and the line of a syntax error) when it cannot be read or parsed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot be read: {exc}"]) from exc
    loader = _MarkedLoader(text)
    loader.name = str(path)  # the parser's own message then quotes the file, not "<unicode string>"
    try:
        data, lines, duplicates = loader.load_document()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}: line {mark.line + 1}" if mark is not None else f"{path}"
        raise ConfigError([f"{where}: cannot be read as YAML: {exc}"]) from None
    finally:
        loader.dispose()
    return Document(path, data, lines, tuple(duplicates))


def load_yaml(path: Path | str, model: type[M] | TypeAdapter) -> M:
    """The file at path validated as model; raises ConfigError naming file, line and field."""
    return read_yaml(path).validate(model)
