"""Human-readable segment names generated from a segment's most distinctive traits.

Grain: one name per segment of one model. The phrase table is `ml/config/naming.yaml` (the
`naming` config section): a trait speaks when its z (segment mean minus population mean, in
population standard deviations; see `ml/profiles.py`) is at least `min_z` (its "high"
phrase) or at most -`min_z` (its "low" phrase); traits are taken in order of |z| and each
phrase fills a slot of

    <adjectives> <noun, or default_noun> <suffixes>, <qualifiers>

e.g. "High-usage industrial, punctual payers" or "Cash payers in arrears, frequent callers".
Only the first noun is used. Names are unique within a model: a name already taken gets the
next phrase, and as a last resort the segment id in brackets.

The level traits listed under `class_relative` (kWh a month) speak with their z against the
customers of the segment's own class (`ml.profiles.class_relative_z`, filled in at training),
so that "high-usage" means high for a household among households, not beside industry.
"""

from __future__ import annotations

from collections.abc import Iterable

from ml.profiles import ranked_traits


def _phrases(z_by_trait: dict[str, float | None], config: dict) -> list[tuple[str, str]]:
    """(slot, text) for every speaking trait, strongest first; at most one noun."""
    phrases, has_noun, seen = [], False, set()
    min_z = float(config["min_z"])
    for trait, z in ranked_traits(z_by_trait):
        spec = config["phrases"].get(trait)
        if spec is None:
            continue
        if z >= min_z and spec.get("high"):
            text = spec["high"]
        elif z <= -min_z and spec.get("low"):
            text = spec["low"]
        else:
            continue
        if (spec["slot"] == "noun" and has_noun) or text in seen:
            continue
        has_noun = has_noun or spec["slot"] == "noun"
        seen.add(text)
        phrases.append((spec["slot"], text))
    return phrases


def compose_name(phrases: list[tuple[str, str]], config: dict) -> str:
    """Assemble slot phrases into a name with a capitalised first letter."""
    if not phrases:
        name = config["fallback"]
    else:
        by_slot = {
            s: [t for slot, t in phrases if slot == s]
            for s in ("adjective", "noun", "suffix", "qualifier")
        }
        unknown = {slot for slot, _ in phrases} - set(by_slot)
        if unknown:
            raise ValueError(f"naming: unknown phrase slots {sorted(unknown)}")
        head = " ".join(by_slot["adjective"] + (by_slot["noun"] or [config["default_noun"]]))
        head = " ".join([head, *by_slot["suffix"]])
        name = ", ".join([head, *by_slot["qualifier"]])
    return name[:1].upper() + name[1:]


def segment_name(
    z_by_trait: dict[str, float | None],
    config: dict,
    taken: Iterable[str] = (),
    segment_id: str = "",
) -> str:
    """Generated name of one segment, not equal to any name in `taken`."""
    taken_set = set(taken)
    phrases = _phrases(z_by_trait, config)
    limit = int(config["max_phrases"])
    for n in range(min(limit, len(phrases)), len(phrases) + 1):
        name = compose_name(phrases[:n], config)
        if name not in taken_set:
            return name
    base = compose_name(phrases[:limit], config)
    return f"{base} ({segment_id})" if segment_id else f"{base} ({len(taken_set) + 1})"
