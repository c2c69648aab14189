"""GridSeg synthetic landing-data generator with planted customer archetypes.

`generate(...)` writes the landing-zone tables of data contract v1 as monthly extract files
and the truth (archetype per customer) next to them; `python -m datagen --help` for the CLI.
"""

from datagen.engine import generate
from datagen.writer import copy_months

__all__ = ["copy_months", "generate"]
