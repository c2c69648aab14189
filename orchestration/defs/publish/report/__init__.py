"""The segment report of a published snapshot: HTML for people, with the profile heat map."""

from orchestration.defs.publish.report.render import (
    HEATMAP_FILE,
    REPORT_FILE,
    render_report,
    report_files,
)

__all__ = ["HEATMAP_FILE", "REPORT_FILE", "render_report", "report_files"]
