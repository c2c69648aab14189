"""`make gx-docs`: Great Expectations Data Docs from the last validation results.

The asset checks validate in ephemeral contexts and keep each suite's latest result JSON
under <data>/quality/validations/. This builds a throwaway file-backed GX context under
<data>/quality/gx/, loads the suites and those results into it and renders the HTML site to
<data>/quality/data_docs/ (open index.html). Nothing here runs in the pipeline.

    python -m orchestration.defs.quality.data_docs [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from orchestration.defs.quality.gx_validation import _gx, load_suite
from orchestration.settings import Paths

SITE = "gridseg"


def build_data_docs(data_dir: Path) -> Path:
    """Render the site from every stored result; return the path of its index.html."""
    gx = _gx()
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier
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
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    schema = ExpectationSuiteValidationResultSchema()
    for path in results:
        stored = json.loads(path.read_text(encoding="utf-8"))
        suite = context.suites.add(load_suite(stored["suite_name"]))
        result = schema.load(stored)
        validated_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        run = RunIdentifier(run_name="latest", run_time=validated_at)
        key = ValidationResultIdentifier(ExpectationSuiteIdentifier(suite.name), run, "latest")
        context.validation_results_store.set(key, result)
    context.build_data_docs(site_names=[SITE])
    return site_dir / "index.html"


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
