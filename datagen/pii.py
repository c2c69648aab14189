"""Fake but plausible PII (name, phone, email, postal address) from small fixed word lists.

Grain: one set of contact details per customer, stored as small integer draws and rendered to
strings only for the rows written. Phone numbers use the fictional 555 exchange and emails the
reserved example.* domains, so no real person can be contacted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from datagen.archetypes import STRESSED
from datagen.contract import CUSTOMER_CLASSES
from datagen.network import REGIONS

FIRST_NAMES = tuple(
    (
        "Olivia Liam Emma Noah Amelia Oliver Ava Elijah Sophia James Isabella William Mia "
        "Benjamin Charlotte Lucas Harper Henry Evelyn Theo Aisha Mateo Priya Wei Fatima Diego "
        "Hannah Omar Grace Samuel Chloe Daniel Zoe Arjun Lena Tomasz Ines Kofi Mei Yusuf"
    ).split()
)
LAST_NAMES = tuple(
    (
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson "
        "Anderson Taylor Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis "
        "Walker Hall Young King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell "
        "Roberts Patel Nguyen Kowalski"
    ).split()
)
STREETS = tuple(
    (
        "Oak Maple Cedar Pine Elm Willow Birch Station Mill Church High Park Lake Hill River "
        "Meadow Orchard Bridge Market Forest"
    ).split()
)
STREET_TYPES = ("Street", "Road", "Avenue", "Lane", "Drive", "Way")
# Business name suffix by customer class (residential rows use the person's name).
CLASS_SUFFIX = {
    "residential": "",
    "commercial": " Trading Ltd",
    "industrial": " Industries",
    "agricultural": " Farms",
    "public_sector": " Council Services",
}


@dataclass
class ContactDetails:
    """Per-customer draws behind the PII strings; phone/email mutate on contact updates."""

    first: np.ndarray
    last: np.ndarray
    house: np.ndarray
    street: np.ndarray
    phone: np.ndarray
    email_tag: np.ndarray
    phone_missing: np.ndarray
    email_missing: np.ndarray


def draw_contact_details(rng: np.random.Generator, arch: np.ndarray) -> ContactDetails:
    """Draw contact details; cash-paying stressed households more often lack an email."""
    n = len(arch)
    return ContactDetails(
        first=rng.integers(0, len(FIRST_NAMES), n).astype(np.int16),
        last=rng.integers(0, len(LAST_NAMES), n).astype(np.int16),
        house=rng.integers(1, 400, n).astype(np.int16),
        street=rng.integers(0, len(STREETS) * len(STREET_TYPES), n).astype(np.int16),
        phone=rng.integers(0, 10_000_000, n).astype(np.int32),
        email_tag=rng.integers(1, 100, n).astype(np.int16),
        phone_missing=rng.random(n) < 0.03,
        email_missing=rng.random(n) < np.where(arch == STRESSED, 0.35, 0.08),
    )


def redraw_contact(rng: np.random.Generator, contact: ContactDetails, idx: np.ndarray) -> None:
    """A contact-details update: new phone and email for customers `idx` (in place)."""
    contact.phone[idx] = rng.integers(0, 10_000_000, len(idx))
    contact.email_tag[idx] = rng.integers(1, 100, len(idx))
    contact.phone_missing[idx] = False
    contact.email_missing[idx] = rng.random(len(idx)) < 0.05


def pii_columns(
    contact: ContactDetails, idx: np.ndarray, customer_class: np.ndarray, region: np.ndarray
) -> pl.DataFrame:
    """full_name, phone, email, address for customers `idx`, one row each, in `idx` order."""
    first = pl.Series(FIRST_NAMES).gather(contact.first[idx])
    last = pl.Series(LAST_NAMES).gather(contact.last[idx])
    suffix = pl.Series([CLASS_SUFFIX[c] for c in CUSTOMER_CLASSES]).gather(customer_class[idx])
    street = pl.Series([f"{s} {t}" for s in STREETS for t in STREET_TYPES]).gather(
        contact.street[idx]
    )
    town = pl.Series(REGIONS).gather(region[idx])
    frame = pl.DataFrame(
        {
            "first": first,
            "last": last,
            "suffix": suffix,
            "street": street,
            "town": town,
            "house": contact.house[idx],
            "phone_no": contact.phone[idx],
            "tag": contact.email_tag[idx],
            "phone_missing": contact.phone_missing[idx],
            "email_missing": contact.email_missing[idx],
        }
    )
    is_person = pl.col("suffix") == ""
    digits = pl.col("phone_no").cast(pl.String).str.zfill(7)
    return frame.select(
        full_name=pl.when(is_person)
        .then(pl.concat_str("first", pl.lit(" "), "last"))
        .otherwise(pl.concat_str("last", "suffix")),
        phone=pl.when(pl.col("phone_missing"))
        .then(None)
        .otherwise(
            pl.concat_str(
                pl.lit("555-"), digits.str.slice(0, 3), pl.lit("-"), digits.str.slice(3, 4)
            )
        ),
        email=pl.when(pl.col("email_missing"))
        .then(None)
        .when(is_person)
        .then(
            pl.concat_str(
                pl.col("first").str.to_lowercase(),
                pl.lit("."),
                pl.col("last").str.to_lowercase(),
                pl.col("tag").cast(pl.String),
                pl.lit("@example.com"),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("accounts@"),
                pl.col("last").str.to_lowercase(),
                pl.col("tag").cast(pl.String),
                pl.lit(".example.org"),
            )
        ),
        address=pl.concat_str(
            pl.col("house").cast(pl.String), pl.lit(" "), "street", pl.lit(", "), "town"
        ),
    )
