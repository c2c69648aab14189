"""The report's words: one YAML label file per language in `labels/` (`en`, `zh-CN`).

A label file holds the report's sentences (`text`), a readable label with its unit for every
trait (`traits`), the labels of coded values (`values`), of the strategies, and the phrases of
generated segment names. Data values are never changed: a label only changes what is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from ml.eligibility import RESERVED_SEGMENT_NAME

LABELS_PACKAGE = "orchestration.defs.publish.report"
# A generated name ends with its segment id in brackets when its phrases were all taken.
ID_SUFFIX = re.compile(r"^(?P<name>.*?)(?P<suffix> \(S\d+\))?$")


def languages() -> list[str]:
    """The languages that have a label file."""
    folder = resources.files(LABELS_PACKAGE) / "labels"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


@dataclass(frozen=True)
class Labels:
    """The labels of one language."""

    language: str
    data: dict

    def text(self, key: str, **values: object) -> str:
        """The sentence `key`, its {placeholders} filled from `values`."""
        return self.data["text"][key].format(**values)

    def trait(self, trait: str) -> str:
        """The readable label of a trait, with its unit; the trait name when it has none."""
        return self.data["traits"].get(trait, trait)

    def value(self, kind: str, value: str) -> str:
        """The label of a coded value (value_tier, level, credit_rating); the value itself when
        the file has none."""
        return self.data["values"].get(kind, {}).get(value, value)

    def strategy(self, key: str) -> str:
        return self.data["strategies"].get(key, key)

    def strategy_description(self, key: str, playbook: dict[str, str]) -> str:
        """The strategy's description: the label file's, else the playbook's own (English)."""
        return self.data["strategy_descriptions"].get(key) or playbook.get(key, key)

    def segment_name(self, name: str, slots: dict[str, str]) -> str | None:
        """A generated segment name in this language, phrase by phrase; None when the language
        shows names as published or a phrase has no label (`slots`: phrase -> naming slot)."""
        phrases = self.data["segment_names"]
        if not phrases:
            return None
        match = ID_SUFFIX.match(name)
        base, suffix = match["name"], match["suffix"] or ""
        if base in phrases:
            return phrases[base] + suffix
        parts = []
        for part in (base[:1].lower() + base[1:]).split(", "):
            words = _phrases_of(part, phrases)
            if words is None:
                return None
            parts.append(_joined(words, phrases, slots))
        return "，".join(parts) + suffix


def _phrases_of(text: str, phrases: dict[str, str]) -> list[str] | None:
    """`text` cut into known phrases (longest first at each position), None if it cannot be."""
    words, rest = [], text
    known = sorted(phrases, key=len, reverse=True)
    while rest:
        found = next((p for p in known if rest == p or rest.startswith(p + " ")), None)
        if found is None:
            return None
        words.append(found)
        rest = rest[len(found) :].lstrip(" ")
    return words


def _joined(words: list[str], phrases: dict[str, str], slots: dict[str, str]) -> str:
    """Translated phrases of one part of a name: adjectives and the noun run together, a
    suffix follows after a comma."""
    out = ""
    for word in words:
        sep = "，" if out and slots.get(word) == "suffix" else ""
        out += sep + phrases[word]
    return out


@cache
def load_labels(language: str) -> Labels:
    """The labels of `language`; ValueError for a language without a label file."""
    if language not in languages():
        raise ValueError(
            f"report language {language!r} has no label file: use one of {languages()}"
        )
    text = (resources.files(LABELS_PACKAGE) / "labels" / f"{language}.yaml").read_text("utf-8")
    return Labels(language, yaml.safe_load(text))


def trait_labels(language: str = "en") -> dict[str, str]:
    """trait -> its readable label with unit, in `language`."""
    return dict(load_labels(language).data["traits"])


def phrase_slots(naming: dict) -> dict[str, str]:
    """phrase -> slot (adjective, noun, suffix, qualifier) of the naming config's phrases,
    plus the default noun and the fallback name (and the reserved segment's name)."""
    slots = {naming["default_noun"]: "noun", naming["fallback"]: "noun", RESERVED_SEGMENT_NAME: ""}
    for spec in naming["phrases"].values():
        for level in ("high", "low"):
            if spec.get(level):
                slots.setdefault(spec[level], spec["slot"])
    return slots
