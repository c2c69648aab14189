"""Lint-time stand-in for dbt's `adapter` (sqlfluff's jinja templater, .sqlfluff: library_path):
the models are linted as DuckDB renders them. `adapter.dispatch('x')` is the project's own
`default__x` macro (loaded from macros/ by the templater); dbt itself never imports this."""

import jinja2


@jinja2.pass_context
def dispatch(context, macro_name, macro_namespace=None):
    """The DuckDB (`default__`) implementation of a dispatched macro."""
    return context[f"default__{macro_name}"]


def quote(identifier):
    """An identifier quoted as DuckDB quotes it."""
    return '"' + identifier.replace('"', '""') + '"'
