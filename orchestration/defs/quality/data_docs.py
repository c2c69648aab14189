"""`make gx-docs`: Great Expectations Data Docs from the last validation results, readable
offline.

The asset checks validate in ephemeral contexts and keep each suite's latest result JSON
under <data>/quality/validations/, with the Dagster run that validated it as its run name.
This builds a throwaway file-backed GX context under <data>/quality/gx/, loads the suites and
those results into it and renders the HTML site to <data>/quality/data_docs/ (open
index.html). Nothing here runs in the pipeline.

GX's pages load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from CDNs, and its
index is a table that JavaScript fills: offline it was blank. Decision: the site is made
static instead of vendoring those libraries. Every page loses its scripts and every
stylesheet, image and link that leaves the machine, and gets a small inline stylesheet (the
status icons as text); the index is replaced by a plain HTML page listing the validation
results (pass or fail, counts, run name and time) and the suites. The result and suite
pages are rendered on the server by GX, so their content reads without JavaScript.

    python -m orchestration.defs.quality.data_docs [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

from orchestration.defs.quality.gx_validation import RUN_ID, _gx, load_suite
from orchestration.settings import Paths

SITE = "gridseg"
# A result kept by a release before run names: it is shown under this name, at its file's time.
UNRECORDED_RUN = "unrecorded-run"
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http:, https:, //cdn
CSS_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?:[a-z][a-z0-9+.-]*:)?//[^)]*\)", re.IGNORECASE)
# Font Awesome is not loaded: its status icons are drawn as text.
OFFLINE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 1.5rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.fas, .fa { font-style: normal; }
.fa-check-circle::before { content: "\\2714"; color: #1a7f37; font-weight: bold; }
.fa-times::before { content: "\\2718"; color: #c62828; font-weight: bold; }
.fa-exclamation-triangle::before { content: "\\26A0"; color: #b26a00; }
.fa-question-circle::before { content: "?"; }
.fa-comment::before { content: "\\1F5E8"; }
.passed { color: #1a7f37; font-weight: bold; }
.failed { color: #c62828; font-weight: bold; }
"""


@dataclass(frozen=True)
class ValidationEntry:
    """One validation result of the site, for the index."""

    suite: str
    success: bool
    evaluated: int
    successful: int
    run_name: str
    run_time: datetime
    page: str  # relative to the site folder


def build_data_docs(data_dir: Path) -> Path:
    """Render the site from every stored result, offline; return the path of its index.html."""
    gx = _gx()
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    quality = Path(data_dir) / "quality"
    results = sorted((quality / "validations").glob("*.json"))
    if not results:
        raise SystemExit(f"no validation results in {quality / 'validations'}: run the pipeline")
    site_dir = quality / "data_docs"
    shutil.rmtree(quality / "gx", ignore_errors=True)  # rebuilt from the results each time
    shutil.rmtree(site_dir, ignore_errors=True)
    context = gx.get_context(mode="file", project_root_dir=str(quality))
    context.add_data_docs_site(
        SITE,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    schema = ExpectationSuiteValidationResultSchema()
    suites, keys = {}, []
    for path in results:
        stored = json.loads(path.read_text(encoding="utf-8"))
        suite = context.suites.add(load_suite(stored["suite_name"]))
        run = _run_identifier(stored, path)
        result = schema.load(stored)
        result.meta[RUN_ID] = run  # what the page shows as Run Name and Run Time
        key = ValidationResultIdentifier(ExpectationSuiteIdentifier(suite.name), run, suite.name)
        context.validation_results_store.set(key, result)
        suites[suite.name] = len(suite.expectations)
        keys.append((key, stored))
    context.build_data_docs(site_names=[SITE])

    def page(identifier) -> str:
        (entry,) = context.get_docs_sites_urls(resource_identifier=identifier, site_names=[SITE])
        return Path(unquote(urlparse(entry["site_url"]).path)).relative_to(site_dir).as_posix()

    entries = [
        ValidationEntry(
            suite=stored["suite_name"],
            success=bool(stored["success"]),
            evaluated=int(stored["statistics"]["evaluated_expectations"]),
            successful=int(stored["statistics"]["successful_expectations"]),
            run_name=key.run_id.run_name,
            run_time=key.run_id.run_time,
            page=page(key),
        )
        for key, stored in keys
    ]
    suite_pages = {name: page(ExpectationSuiteIdentifier(name)) for name in sorted(suites)}
    make_offline(site_dir)
    index = site_dir / "index.html"
    index.write_text(index_html(entries, suites, suite_pages), encoding="utf-8")
    return index


def _run_identifier(stored: dict, path: Path):
    """The run that validated a stored result: the run id kept in its meta, else (a result
    saved before run names were kept) UNRECORDED_RUN at the file's time."""
    from great_expectations.core.run_identifier import RunIdentifier

    run = (stored.get("meta") or {}).get(RUN_ID) or {}
    if run.get("run_name") and run.get("run_time"):
        return RunIdentifier(
            run_name=run["run_name"], run_time=datetime.fromisoformat(run["run_time"])
        )
    return RunIdentifier(
        run_name=UNRECORDED_RUN, run_time=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    )


def index_html(
    entries: list[ValidationEntry], suites: dict[str, int], suite_pages: dict[str, str]
) -> str:
    """The site's index: validation results (failed first, then by suite) and the suites."""
    rows = []
    for e in sorted(entries, key=lambda e: (e.success, e.suite)):
        status = (
            '<span class="passed">passed</span>'
            if e.success
            else ('<span class="failed">FAILED</span>')
        )
        rows.append(
            f'<tr><td><a href="{escape(e.page)}">{escape(e.suite)}</a></td><td>{status}</td>'
            f"<td>{e.successful} of {e.evaluated}</td><td>{escape(e.run_name)}</td>"
            f"<td>{escape(e.run_time.isoformat(timespec='seconds'))}</td></tr>"
        )
    suite_rows = [
        f'<tr><td><a href="{escape(suite_pages[name])}">{escape(name)}</a></td><td>{count}</td></tr>'
        for name, count in suites.items()
    ]
    failed = sum(not e.success for e in entries)
    summary = f"{len(entries)} validation results, {failed} failed."
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GridSeg data quality: Great Expectations Data Docs</title>
<style>{OFFLINE_STYLE}</style>
</head>
<body>
<h1>GridSeg data quality</h1>
<p>The latest result of each Great Expectations suite (<code>make gx-docs</code>). {summary}
The run name is the Dagster run that validated it.</p>
<h2 id="validation-results">Validation results</h2>
<table>
<thead><tr><th>suite</th><th>result</th><th>expectations passed</th><th>run name</th><th>run time (UTC)</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<h2 id="expectation-suites">Expectation suites</h2>
<table>
<thead><tr><th>suite</th><th>expectations</th></tr></thead>
<tbody>
{chr(10).join(suite_rows)}
</tbody>
</table>
</body>
</html>
"""


class _OfflinePage(HTMLParser):
    """Re-emits a page as it was written, less what needs the network or JavaScript: scripts,
    stylesheets and images from elsewhere, and the target of links that leave the site (their
    text stays). Our inline stylesheet goes at the end of the head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._tag(tag, attrs, self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._tag(tag, attrs, self.get_starttag_text() or "")

    def _tag(self, tag: str, attrs: list, text: str) -> None:
        if tag == "script":
            self.in_script = not text.rstrip().endswith("/>")
            return
        values = dict(attrs)
        if tag in ("link", "img", "iframe", "source") and any(
            _external(values.get(a)) for a in ("href", "src", "srcset")
        ):
            return
        if any(_external(value) for _, value in attrs):
            kept = [(n, v) for n, v in attrs if not _external(v)]
            text = "<" + tag + "".join(_attribute(n, v) for n, v in kept) + ">"
        self.out.append(text)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False
            return
        if tag == "head":
            self.out.append(f"<style>{OFFLINE_STYLE}</style>\n")
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.in_script:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")


def _external(value: str | None) -> bool:
    return bool(value) and bool(EXTERNAL.match(value))


def _attribute(name: str, value: str | None) -> str:
    return f" {name}" if value is None else f' {name}="{escape(value)}"'


def offline_page(html: str) -> str:
    """One page without anything that needs the network or JavaScript (see _OfflinePage)."""
    page = _OfflinePage()
    page.feed(html)
    page.close()
    return "".join(page.out)


def make_offline(site_dir: Path) -> None:
    """Every HTML page and stylesheet of the site, rewritten to need no network."""
    for path in sorted(site_dir.rglob("*.html")):
        path.write_text(offline_page(path.read_text(encoding="utf-8")), encoding="utf-8")
    for path in sorted(site_dir.rglob("*.css")):
        css = path.read_text(encoding="utf-8")
        path.write_text(CSS_EXTERNAL_URL.sub("none", css), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=None, help="data folder (default: GRIDSEG_DATA or ./data)"
    )
    args = parser.parse_args(argv)
    index = build_data_docs(args.data or Paths.from_env().data)
    print(f"Data Docs: {index}")


if __name__ == "__main__":
    main()
