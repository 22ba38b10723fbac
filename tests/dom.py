"""A page as Chromium renders it, read back as a tree: rendered headless with --dump-dom and
parsed with the standard library, so a test can follow its links and read its tables."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list = field(default_factory=list)  # Elements and strings

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None):
        """This element and every element below it, in document order (of `tag` only, when given)."""
        if tag is None or self.tag == tag:
            yield self
        for c in self.children:
            if isinstance(c, Element):
                yield from c.iter(tag)

    def by_id(self) -> dict[str, Element]:
        return {e.attrs["id"]: e for e in self.iter() if "id" in e.attrs}

    def tables(self) -> list[dict]:
        """Each table below this element: its header cells and its rows of cells (Elements)."""
        out = []
        for t in self.iter("table"):
            head = [th.text() for th in t.iter("th")]
            rows = [list(tr.iter("td")) for tr in t.iter("tr") if any(True for _ in tr.iter("td"))]
            out.append({"headers": head, "rows": rows})
        return out

    def table(self, *headers: str) -> list[list[Element]]:
        """The rows of the one table below this element whose headers start with `headers`."""
        found = [t["rows"] for t in self.tables() if tuple(t["headers"][:len(headers)]) == headers]
        assert len(found) == 1, (headers, [t["headers"] for t in self.tables()])
        return found[0]


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(markup: str) -> Element:
    builder = _Builder()
    builder.feed(markup)
    builder.close()
    return builder.root


def render(page: Path, profile: Path) -> str:
    """The DOM Chromium holds after loading the page from disk and running its scripts."""
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                           "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                          check=True, capture_output=True, text=True, timeout=180).stdout


def number(cell: Element) -> int | None:
    """A table cell's count as the page prints it (1,234), None for an empty cell."""
    text = cell.text().replace(",", "").strip()
    return int(text) if text else None
