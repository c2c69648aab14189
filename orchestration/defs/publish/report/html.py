"""The page around the report's sections: the style, number formats, small table helpers.

Self-contained by construction: the style is inline, fonts are the system's (a font stack, no
web font), there is no script and nothing refers to another file or address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0;
  color: #1a1a1a; background: #f6f6f4; line-height: 1.5; font-size: 16px; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 30px; margin: 0 0 4px; }
h2 { font-size: 23px; margin: 40px 0 12px; border-bottom: 2px solid #d6d6d0; }
h3 { font-size: 19px; margin: 0 0 6px; }
h4 { font-size: 15px; margin: 14px 0 4px; color: #333; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
a { color: #0b5394; }
table { border-collapse: collapse; margin: 8px 0; background: #fff; }
th, td { padding: 5px 10px; border: 1px solid #d6d6d0; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
  gap: 18px; }
.card { background: #fff; border: 1px solid #d6d6d0; border-left: 8px solid var(--accent);
  border-radius: 6px; padding: 16px 18px; }
.card table { width: 100%; }
.muted { color: #555; font-size: 14px; }
.size { font-size: 17px; margin: 0 0 6px; }
.legend { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap;
  gap: 2px 14px; font-size: 14px; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 5px;
  vertical-align: -1px; }
.strategy { background: #eef4fa; border-radius: 4px; padding: 8px 12px; margin-top: 12px; }
.chart { overflow-x: auto; background: #fff; border: 1px solid #d6d6d0; padding: 12px;
  margin: 8px 0; }
details { margin: 6px 0 12px; }
summary { cursor: pointer; color: #0b5394; }
.grid td.count { text-align: center; font-size: 18px; min-width: 120px; }
footer { padding: 30px 24px 40px; color: #555; font-size: 14px; }
"""


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def fmt_int(n: int | None) -> str:
    return "-" if n is None else f"{int(n):,}"


def fmt_pct(share: float | None, digits: int = 1) -> str:
    return "-" if share is None else f"{100 * share:.{digits}f}%"


def fmt_number(value: float | None) -> str:
    """Three significant digits or so: 27,845 / 709 / 36.5 / 0.93."""
    if value is None:
        return "-"
    size = abs(value)
    digits = 0 if size >= 100 else 1 if size >= 10 else 2
    return f"{value:,.{digits}f}"


def data_attrs(**values: object) -> str:
    """` data-a="1" data-b="x"` for the browser test to find the figures shown."""
    return "".join(f' data-{k.replace("_", "-")}="{esc(v)}"' for k, v in values.items())


def table(
    caption: str | None,
    headers: Sequence[str],
    rows: Iterable[str],
    numeric: Sequence[bool] = (),
    css: str = "",
) -> str:
    """A table; `rows` are ready `<tr>` strings."""
    head = "".join(
        f'<th scope="col"{" class=num" if j < len(numeric) and numeric[j] else ""}>{esc(h)}</th>'
        for j, h in enumerate(headers)
    )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    cls = f' class="{css}"' if css else ""
    return f"<table{cls}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def legend(parts: Sequence[tuple[str, str]]) -> str:
    """A list of (colour, text): the text alternative of a bar."""
    items = "".join(
        f'<li><span class="swatch" style="background:{c}"></span>{esc(t)}</li>' for c, t in parts
    )
    return f'<ul class="legend">{items}</ul>'


def page(language: str, title: str, header: str, nav: str, body: str, footer: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header>{header}\n<nav>{nav}</nav></header>\n<main>\n{body}\n</main>\n"
        f"<footer>{footer}</footer>\n</body>\n</html>\n"
    )
