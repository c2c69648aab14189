"""Lint-time stand-in for dbt's `adapter` (.sqlfluff: library_path): `adapter.dispatch(name)`
renders the dispatched macro as a plain function call `name(arguments)`, SQL of the same
shape as each engine's implementation (macros/portable.sql), for parsing and layout only; dbt
itself never imports this."""


def dispatch(macro_name, macro_namespace=None):
    def call(*arguments):
        return f"{macro_name}({', '.join(str(a) for a in arguments)})"

    return call
