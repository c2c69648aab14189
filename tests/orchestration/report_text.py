"""What a reader sees of a report page, for the report tests (unit and browser)."""

import re
from html.parser import HTMLParser

from orchestration.defs.publish.report.labels import load_labels


class _Text(HTMLParser):
    """The visible text of a page (no attributes, no style)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], False

    def handle_starttag(self, tag, attrs):
        self._skip = tag == "style"

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def leaked_labels(text: str) -> list[str]:
    """Label keys and English sentences (their fragments of 12+ characters) found in `text`."""
    english = load_labels("en").data
    keys = [k for section in ("text", "traits") for k in english[section] if "_" in k]
    fragments = [
        part.strip()
        for sentence in english["text"].values()
        for part in re.split(r"\{[a-z_]+\}", sentence)
        if len(part.strip()) >= 12
    ]
    return [k for k in keys if re.search(rf"\b{k}\b", text)] + [f for f in fragments if f in text]
