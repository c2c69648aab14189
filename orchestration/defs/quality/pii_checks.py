"""No personal data past staging: blocking `no_pii` checks on the feature mart and on the ml
tables that are published.

Grain: one check per asset. It reads every row of every month of the ml tables (publishing
writes every month of the history, so a name in any month is a published name) and the months
the run built of `marts.customer_features` (a view over 35M rows at 1M customers x 36 months;
whatever it holds reaches a published table only through ml.customer_segments_history, which is
checked whole). Rules, each named in a finding:
- `pii_column`: a column named like a PII column (full_name, phone, email, address);
- `email_pattern`, `phone_pattern`: a text value shaped like an email or a phone number (not the
  phone shape in customer_id: account numbers are often ten digits);
- `customer_pii`: a text value equal (trimmed, case-insensitive) to a PII value received in
  raw.customers for the SAME customer, in any of its rows: a corrected re-send reveals the name
  that an earlier row held in region, and the stored history months built from that row. Never a
  global set of every value ever received. A value that another customer holds in the same
  raw.customers column without it being that customer's PII is attested as a field value (a
  real region), as staging judges pii_in_field: a region that a swapped extract wrote into
  full_name does not block the customer's later rows for good. Tables without customer_id (the
  profiles, the model tables) get the other rules only: they hold no customer text.
Findings name the table, column, rule, the rows and the months; never a value (it would be
PII). A reasoned waiver in pii_waivers.yaml lets a known false positive pass; the check
metadata lists the waivers that applied.

Cost: every rule is judged on the distinct values of each column (one scan; customer ids on
raw.customers, where they come from), and only the rows holding a flagged value are read again;
PII values are joined per customer only for the few that equal some value of the table. 0.4-0.8
s for 5-12M history rows of 1M customers (synthetic; 6.5 s before these measures).
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from orchestration.defs.ingest.landing_contract import LINEAGE_COLUMNS, PII_COLUMNS
from orchestration.defs.warehouse import WAREHOUSE_POOL, GridSegPaths
from orchestration.defs.warehouse import quoted_identifier as quoted
from orchestration.pipeline_runs import RANGE_END, RANGE_START
from orchestration.settings import DBT_PROJECT_DIR


def pii_patterns() -> dict[str, str]:
    """The email and phone patterns, from their one home: the dbt var `pii_patterns`
    (dbt_project.yml), which staging's pii_in_field rule reads as well."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return {name: str(pattern) for name, pattern in project["vars"]["pii_patterns"].items()}


EMAIL, PHONE = (pii_patterns()[name] for name in ("email", "phone"))

PII_COLUMN, EMAIL_PATTERN, PHONE_PATTERN, CUSTOMER_PII = (
    "pii_column",
    "email_pattern",
    "phone_pattern",
    "customer_pii",
)
VALUE_RULES = (EMAIL_PATTERN, PHONE_PATTERN, CUSTOMER_PII)
RULES = (PII_COLUMN, *VALUE_RULES)

WAIVERS_FILE = Path(__file__).with_name("pii_waivers.yaml")
# an inclusive ('YYYY-MM', 'YYYY-MM') range of as_of_month; None: every row
Months = tuple[str, str] | None
PARTITION_TAG = "dagster/partition"


@dataclass(frozen=True)
class Target:
    """A table a check reads: every row, or (`run_months`) the months the run built."""

    table: str
    run_months: bool = False


# asset -> the tables it writes
TARGETS: dict[tuple[str, ...], list[Target]] = {
    ("marts", "customer_features"): [Target("marts.customer_features", run_months=True)],
    ("ml", "customer_segments_history"): [Target("ml.customer_segments_history")],
    ("ml", "segment_profiles"): [Target("ml.segment_profiles")],
    ("ml", "segmentation_model"): [
        Target("ml.segmentation_models"),
        Target("ml.value_index_weights"),
    ],
    ("ml", "customer_signals"): [Target("ml.customer_signals")],
    ("ml", "service_actions_history"): [Target("ml.service_actions_history")],
}


# ---------------------------------------------------------------- waivers


class WaiverError(ValueError):
    """pii_waivers.yaml holds a waiver the check refuses (no reason, unknown rule, ...)."""


@dataclass(frozen=True)
class Waiver:
    """A reasoned exception: rows of `table.column` that `rule` flags and that are not personal
    data. A value rule's waiver names one customer or one value (its SHA-256), never a whole
    column: a waiver must not silence the next real leak in the same column."""

    table: str
    column: str
    rule: str
    reason: str
    customer_id: str | None = None
    value_sha256: str | None = None

    def label(self) -> str:
        """The waiver without its reason, for metadata: what it lets pass."""
        key = (
            f"customer {self.customer_id}"
            if self.customer_id
            else f"value sha256 {self.value_sha256[:12]}…"
            if self.value_sha256
            else "the column"
        )
        return f"{self.table}.{self.column} {self.rule} ({key})"


WAIVER_KEYS = {"table", "column", "rule", "reason", "customer_id", "value_sha256"}


def parse_waiver(entry: object, where: str) -> Waiver:
    """One waiver from its YAML mapping; `where` names it in errors."""
    if not isinstance(entry, Mapping):
        raise WaiverError(f"{where}: a waiver is a mapping of {sorted(WAIVER_KEYS)}")
    unknown = set(entry) - WAIVER_KEYS
    if unknown:
        raise WaiverError(f"{where}: unknown key(s) {sorted(unknown)}")
    text = {k: str(v).strip() for k, v in entry.items() if v is not None and str(v).strip()}
    missing = [k for k in ("table", "column", "rule") if k not in text]
    if missing:
        raise WaiverError(f"{where}: missing {', '.join(missing)}")
    waiver = Waiver(**{"reason": "", **text})
    if not waiver.reason:
        raise WaiverError(
            f"{where} ({waiver.label()}) has no reason: say why the value is not personal "
            "data, and who decided"
        )
    if waiver.rule not in RULES:
        raise WaiverError(f"{where}: rule {waiver.rule!r} is not one of {', '.join(RULES)}")
    keys = [k for k in ("customer_id", "value_sha256") if getattr(waiver, k)]
    if waiver.rule == PII_COLUMN and keys:
        raise WaiverError(f"{where}: a pii_column waiver names a column only, not {keys[0]}")
    if waiver.rule != PII_COLUMN and len(keys) != 1:
        raise WaiverError(
            f"{where}: a {waiver.rule} waiver names exactly one of customer_id or value_sha256"
        )
    if waiver.value_sha256 and not re.fullmatch(r"[0-9a-f]{64}", waiver.value_sha256):
        raise WaiverError(
            f"{where}: value_sha256 is 64 lower-case hex digits (sha256 of the value)"
        )
    return waiver


def load_waivers(path: Path = WAIVERS_FILE) -> list[Waiver]:
    """The waivers of `path` (none when the file is absent); WaiverError on a bad entry."""
    if not path.exists():
        return []
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = (document.get("waivers") or []) if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise WaiverError(f"{path.name}: expected a mapping with a list under `waivers`")
    return [parse_waiver(e, f"{path.name}: waiver {i}") for i, e in enumerate(entries, 1)]


def value_sha256(value: str) -> str:
    """The key of a value waiver: SHA-256 of the value exactly as the table holds it (UTF-8)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- scanning


@dataclass
class Finding:
    """Rows of one table column that one rule flags (never their values)."""

    table: str
    column: str
    rule: str
    rows: int = 0
    months: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        if self.rule == PII_COLUMN:
            return f"{self.table}: column {self.column} is a PII column (rule {PII_COLUMN})"
        months = f" in as_of_month {min(self.months)}..{max(self.months)}" if self.months else ""
        return (
            f"{self.table}: column {self.column}: {self.rows:,} row(s) hold a value that is or "
            f"looks like PII (rule {self.rule}){months}"
        )


@dataclass(frozen=True)
class Hit:
    """Rows of a column that a rule flags, for one customer (where the table has one) and one
    value (its SHA-256: waivers match on it, the value itself never leaves the warehouse)."""

    column: str
    rule: str
    customer_id: str | None
    value_sha256: str
    months: tuple[str, ...]
    rows: int


@dataclass
class Scan:
    """What a table holds: open findings, and the rows each waiver let pass."""

    findings: list[Finding] = field(default_factory=list)
    waived: dict[Waiver, int] = field(default_factory=dict)


def table_columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, type) of every column of `table`."""
    return [(n, str(t).upper()) for n, t, *_ in conn.execute(f"describe {table}").fetchall()]


def attestable_columns(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Non-PII text columns of raw.customers (but the key): a value other customers hold there
    is a field value (a region), not one customer's PII."""
    lineage = set(LINEAGE_COLUMNS)
    return {
        name
        for name, kind in table_columns(conn, "raw.customers")
        if kind == "VARCHAR" and name not in PII_COLUMNS and name not in lineage
    } - {"customer_id"}


def distinct_values_sql(table: str, text: list[str], scope: str) -> str:
    """(column_name, value): the distinct values of each text column in scope, in one scan
    (grouping sets: 0.26 s for 5M history rows; a union of one DISTINCT per column, 0.93 s).
    In the rows of the set (c), only c is not null."""
    if not text:
        return "select null::varchar as column_name, null::varchar as value where false"
    columns = ", ".join(quoted(c) for c in text)
    sets = ", ".join(f"({quoted(c)})" for c in text)
    per_column = " union all ".join(
        f"select '{c}' as column_name, {quoted(c)} as value from grouped "
        f"where {quoted(c)} is not null"
        for c in text
    )
    return f"""
        with grouped as (
            select {columns} from {table} where {scope} group by grouping sets ({sets})
        )
        {per_column}"""


def normalized(expression: str) -> str:
    """`expression` as values are compared: lower case, without surrounding spaces. trim() only
    where a space is there: on every PII value of 1.2M customers rows it took 1.3 s instead of
    0.5 s (DuckDB 2.0-dev)."""
    return (
        f"lower(case when starts_with({expression}, ' ') or ends_with({expression}, ' ') "
        f"then trim({expression}) else {expression} end)"
    )


def customer_pii_ctes(attestable: list[str]) -> str:
    """CTEs pii (customer_id, value: the PII values received per customer, only those equal
    to some value of the table), candidates (column_name, value: the table's values that are
    someone's PII), attested (those another customer holds in the same raw.customers column
    without them being its PII) and flagged_ids (customer ids shaped like an email, or equal to
    a PII value of their own row: judged on raw.customers, where the published ids come from,
    instead of on the distinct ids of 35M history rows; compared as received, 0.7 s saved at
    1M customers). Values normalized()."""
    pii = " union all ".join(
        f"select trim(customer_id) as customer_id, {normalized(c)} as value "
        f"from raw.customers where {normalized(c)} in (select value from table_values)"
        for c in PII_COLUMNS
    )
    attested = " union all ".join(
        f"select '{c}' as column_name, {normalized('r.' + quoted(c))} as value "
        "from raw.customers as r "
        f"semi join candidates as c on c.column_name = '{c}' "
        f"and c.value = {normalized('r.' + quoted(c))} "
        "anti join pii on pii.customer_id = trim(r.customer_id) "
        f"and pii.value = {normalized('r.' + quoted(c))}"
        for c in attestable
    )
    return f""",
        table_values as (select distinct {normalized("value")} as value from distinct_values),
        pii as ({pii}),
        candidates as (
            select distinct d.column_name, {normalized("d.value")} as value
            from distinct_values as d
            semi join pii on pii.value = {normalized("d.value")}
        ),
        attested as ({attested or "select null as column_name, null as value where false"}),
        flagged_ids as (
            select distinct trim(customer_id) as value, '{EMAIL_PATTERN}' as rule
            from raw.customers
            where contains(customer_id, '@') and regexp_matches(customer_id, $email)
            union all
            select distinct trim(customer_id), '{CUSTOMER_PII}' from raw.customers
            where customer_id in ({", ".join(PII_COLUMNS)})
        )"""


def flagged_values_sql(has_customer: bool) -> str:
    """(column_name, value, rule): the distinct values each value rule flags. No phone shape
    in customer_id: account numbers are often ten digits."""
    patterns = f"""
        select column_name, value, '{EMAIL_PATTERN}' as rule from distinct_values
        where contains(value, '@') and regexp_matches(value, $email)
        union all
        select column_name, value, '{PHONE_PATTERN}' from distinct_values
        where regexp_matches(value, $phone)"""
    if not has_customer:
        return patterns
    return f"""{patterns}
        union all
        select d.column_name, d.value, '{CUSTOMER_PII}' from distinct_values as d
        semi join candidates as c
            on c.column_name = d.column_name and c.value = {normalized("d.value")}
        anti join attested as a
            on a.column_name = d.column_name and a.value = {normalized("d.value")}
        union all
        select 'customer_id', value, rule from flagged_ids"""


def hits_sql(table: str, text: list[str], months: bool, scope: str, attestable: list[str]) -> str:
    """One query: the flagged rows of `table`'s `text` columns grouped by column, rule, customer
    and value (as SHA-256), with their months (`months`: the table has as_of_month). The rules
    judge distinct values; only the rows holding a flagged value are read again (a filter on a
    value the column lacks skips its row groups), and a customer_pii row counts only when the
    value is its own customer's PII. Identifiers come from DESCRIBE; values are parameters."""
    has_customer = "customer_id" in text
    judged = [c for c in text if c != "customer_id"]
    customer = "customer_id" if has_customer else "null"
    month = "as_of_month" if months else "null"
    rows = " union all ".join(
        f"select '{c}' as column_name, {customer} as customer_id, {month} as as_of_month, "
        f"{quoted(c)} as value from {table} where {scope} and {quoted(c)} in "
        f"(select value from flagged_values where column_name = '{c}')"
        for c in text
    )
    own_customer = (
        f"where f.rule <> '{CUSTOMER_PII}' or f.column_name = 'customer_id' or exists ("
        "select 1 from pii where pii.customer_id = r.customer_id "
        f"and pii.value = {normalized('r.value')})"
        if has_customer
        else ""
    )
    return f"""
        with distinct_values as ({distinct_values_sql(table, judged, scope)})
        {customer_pii_ctes(attestable) if has_customer else ""},
        flagged_values as ({flagged_values_sql(has_customer)}),
        flagged_rows as ({rows})
        select f.column_name, f.rule, r.customer_id, sha256(r.value) as value_sha256,
            list_sort(list_distinct(list(r.as_of_month))) as months, count(*) as n
        from flagged_rows as r
        join flagged_values as f on f.column_name = r.column_name and f.value = r.value
        {own_customer}
        group by all
        order by all
    """


def find_hits(
    conn: duckdb.DuckDBPyConnection, table: str, months: Months = None
) -> tuple[list[str], list[Hit]]:
    """(PII-named columns, flagged value groups) of `table`, in the rows of `months` (an
    inclusive 'YYYY-MM' range of as_of_month; None: every row)."""
    columns = table_columns(conn, table)
    names = {n for n, _ in columns}
    pii_named = [n for n, _ in columns if n.lower() in PII_COLUMNS]
    text = [n for n, kind in columns if kind == "VARCHAR"]
    if not text:
        return pii_named, []
    has_month = "as_of_month" in names
    scope = "as_of_month between $first and $last" if months and has_month else "true"
    attestable = sorted(attestable_columns(conn) & set(text)) if "customer_id" in text else []
    sql = hits_sql(table, text, has_month, scope, attestable)
    params = {"email": EMAIL, "phone": PHONE}
    if months and has_month:
        params |= {"first": months[0], "last": months[1]}
    rows = conn.execute(sql, params).fetchall()
    hits = [
        Hit(column, rule, customer, digest, tuple(month_list or ()), n)
        for column, rule, customer, digest, month_list, n in rows
    ]
    return pii_named, hits


def waiver_for(
    waivers: Iterable[Waiver],
    table: str,
    column: str,
    rule: str,
    customer_id: str | None = None,
    digest: str | None = None,
) -> Waiver | None:
    """The first waiver that lets this column / rule / customer / value pass, if any."""
    for w in waivers:
        if (w.table, w.column, w.rule) != (table, column, rule):
            continue
        if (
            rule == PII_COLUMN
            or (w.customer_id and w.customer_id == customer_id)
            or (w.value_sha256 and w.value_sha256 == digest)
        ):
            return w
    return None


def scan_table(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    months: Months = None,
    waivers: Iterable[Waiver] = (),
) -> Scan:
    """Findings of `table` (one per column and rule, waived rows left out) and waiver use."""
    waivers = list(waivers)
    scan = Scan()
    pii_named, hits = find_hits(conn, table, months)
    for column in pii_named:
        waiver = waiver_for(waivers, table, column, PII_COLUMN)
        if waiver:
            scan.waived[waiver] = scan.waived.get(waiver, 0) + 1
        else:
            scan.findings.append(Finding(table, column, PII_COLUMN))
    open_findings: dict[tuple[str, str], Finding] = {}
    for hit in hits:
        waiver = waiver_for(waivers, table, hit.column, hit.rule, hit.customer_id, hit.value_sha256)
        if waiver:
            scan.waived[waiver] = scan.waived.get(waiver, 0) + hit.rows
            continue
        finding = open_findings.setdefault(
            (hit.column, hit.rule), Finding(table, hit.column, hit.rule)
        )
        finding.rows += hit.rows
        finding.months.update(hit.months)
    scan.findings += [open_findings[k] for k in sorted(open_findings)]
    return scan


def pii_findings(conn: duckdb.DuckDBPyConnection, table: str, months: Months = None) -> list[str]:
    """What looks like PII in `table` (rows of the `months` range, default all), no waivers:
    one line per column and rule."""
    return [str(f) for f in scan_table(conn, table, months).findings]


# ---------------------------------------------------------------- the checks


def run_months(tags: Mapping[str, str]) -> Months:
    """The run's partition window ('YYYY-MM', 'YYYY-MM') from its tags; None when the run is
    not partitioned (then a check reads every month)."""
    if tags.get(RANGE_START) and tags.get(RANGE_END):
        return tags[RANGE_START], tags[RANGE_END]
    if tags.get(PARTITION_TAG):
        return tags[PARTITION_TAG], tags[PARTITION_TAG]
    return None


def recompute_hint(findings: list[Finding]) -> str:
    """What to do about stored months that hold PII: recompute them once staging quarantines
    the source rows (pii_in_field) or the source re-sent them corrected, or waive them."""
    months = set().union(*(f.months for f in findings)) if findings else set()
    recompute = (
        f"Recompute the months once the source rows are quarantined (pii_in_field) or re-sent "
        f"corrected: make backfill FROM={min(months)} TO={max(months)}. "
        if months
        else ""
    )
    return recompute + (
        f"A false positive: waive it with a reason in {WAIVERS_FILE.name} "
        "(orchestration/defs/quality/)."
    )


def check_result(
    targets: list[Target],
    months: Months,
    findings: list[Finding],
    waived: dict[Waiver, int],
) -> dg.AssetCheckResult:
    """The check's verdict: blocking on any open finding, with what to do about it."""
    scoped = months is not None and any(t.run_months for t in targets)
    return dg.AssetCheckResult(
        passed=not findings,
        severity=dg.AssetCheckSeverity.ERROR,
        description=recompute_hint(findings) if findings else None,
        metadata={
            "tables": ", ".join(t.table for t in targets),
            "scope": f"as_of_month {months[0]}..{months[1]}" if scoped else "every row",
            "findings": dg.MetadataValue.md("\n".join(f"- {f}" for f in findings) or "none"),
            "waivers_applied": dg.MetadataValue.md(
                "\n".join(f"- {w.label()}: {n:,} row(s); {w.reason}" for w, n in waived.items())
                or "none"
            ),
        },
    )


def build_pii_check(
    asset: tuple[str, ...], waivers_file: Path = WAIVERS_FILE
) -> dg.AssetChecksDefinition:
    """The blocking no_pii check of `asset` (its TARGETS tables)."""

    @dg.asset_check(
        asset=dg.AssetKey(list(asset)),
        name="no_pii",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description="No PII column and no PII value (email/phone shapes, a PII value of the "
        "same customer) in any published row: every month of the ml tables, the run's months of "
        "the feature mart. Waivers: orchestration/defs/quality/pii_waivers.yaml.",
    )
    def _check(
        context: dg.AssetCheckExecutionContext, gridseg: GridSegPaths
    ) -> dg.AssetCheckResult:
        try:
            waivers = load_waivers(waivers_file)
        except WaiverError as error:
            raise dg.Failure(f"PII waivers refused: {error}") from error
        months = run_months(context.run.tags)
        findings: list[Finding] = []
        waived: dict[Waiver, int] = {}
        with gridseg.warehouse(read_only=True) as conn:
            for target in TARGETS[asset]:
                scan = scan_table(
                    conn, target.table, months if target.run_months else None, waivers
                )
                findings += scan.findings
                waived |= scan.waived
        for finding in findings:
            context.log.error(f"PII found: {finding}")
        return check_result(TARGETS[asset], months, findings, waived)

    return _check


pii_checks = [build_pii_check(asset) for asset in TARGETS]
