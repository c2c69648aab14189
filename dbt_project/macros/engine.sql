{# The functions whose name or meaning differs between the two engines the project runs on:
   DuckDB (dbt-duckdb, the default: `default__`) and Apache Spark (dbt-spark: `spark__`). The
   models write everything else in SQL both accept (`group by all`,
   `filter (where ...)`, `exists`, `interval 1 day`, `is not distinct from`, ...). #}

{# A 64-bit hash of the values (nulls included) for partitioning and fingerprints; the values
   differ by engine, never within one. DuckDB: UBIGINT; Spark: BIGINT. #}
{% macro hash_of(expressions) -%}
    {{ return(adapter.dispatch('hash_of')(expressions)) }}
{%- endmacro %}
{% macro default__hash_of(expressions) -%}
    hash({{ expressions }})
{%- endmacro %}
{% macro spark__hash_of(expressions) -%}
    xxhash64({{ expressions }})
{%- endmacro %}

{# The hash of every column of a row, by its alias. #}
{% macro row_hash(alias) -%}
    {{ return(adapter.dispatch('row_hash')(alias)) }}
{%- endmacro %}
{% macro default__row_hash(alias) -%}
    {#- DuckDB reads a table alias as the row's struct -#}
    hash({{ alias }})
{%- endmacro %}
{% macro spark__row_hash(alias) -%}
    xxhash64({{ alias }}.*)
{%- endmacro %}

{# The sum of row hashes: exact, never overflowing. DuckDB sums UBIGINT into HUGEINT; Spark's
   signed BIGINT would overflow, so it sums DECIMAL(38, 0). #}
{% macro hash_sum(expression) -%}
    {{ return(adapter.dispatch('hash_sum')(expression)) }}
{%- endmacro %}
{% macro default__hash_sum(expression) -%}
    sum({{ expression }})
{%- endmacro %}
{% macro spark__hash_sum(expression) -%}
    sum(cast({{ expression }} as decimal(38, 0)))
{%- endmacro %}

{# 'YYYY-MM' of a date or timestamp. #}
{% macro year_month(expression) -%}
    {{ return(adapter.dispatch('year_month')(expression)) }}
{%- endmacro %}
{% macro default__year_month(expression) -%}
    strftime({{ expression }}, '%Y-%m')
{%- endmacro %}
{% macro spark__year_month(expression) -%}
    date_format({{ expression }}, 'yyyy-MM')
{%- endmacro %}

{# The text of one member of a JSON object held as text (null when absent or JSON null). #}
{% macro json_member_text(json, member) -%}
    {{ return(adapter.dispatch('json_member_text')(json, member)) }}
{%- endmacro %}
{% macro default__json_member_text(json, member) -%}
    json_extract_string({{ json }}, '$.{{ member }}')
{%- endmacro %}
{% macro spark__json_member_text(json, member) -%}
    get_json_object({{ json }}, '$.{{ member }}')
{%- endmacro %}

{# Whether the text holds a match of the regular expression anywhere (RE2 / Java: the
   project's patterns use the syntax both share). #}
{% macro matches_pattern(text, pattern) -%}
    {{ return(adapter.dispatch('matches_pattern')(text, pattern)) }}
{%- endmacro %}
{% macro default__matches_pattern(text, pattern) -%}
    regexp_matches({{ text }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__matches_pattern(text, pattern) -%}
    {#- a backslash escapes in Spark's string literals: doubled, it reaches the pattern -#}
    ({{ text }} rlike '{{ pattern | replace('\\', '\\\\') }}')
{%- endmacro %}

{# The number of `part` boundaries (second, minute, hour, day, month) between two naive
   timestamps, as DuckDB's date_diff counts them: 10:00:59 to 10:01:00 is one minute. Spark's
   timestampdiff counts whole elapsed units instead, so the boundaries are counted from the
   wall-clock microseconds since 1970 (TIMESTAMP_NTZ arithmetic: no time zone, no DST). BIGINT. #}
{% macro date_diff(part, start, end) -%}
    {{ return(adapter.dispatch('date_diff')(part, start, end)) }}
{%- endmacro %}
{% macro default__date_diff(part, start, end) -%}
    date_diff('{{ part }}', {{ start }}, {{ end }})
{%- endmacro %}
{% macro spark__date_diff(part, start, end) -%}
    {%- set micros = {'second': 1000000, 'minute': 60000000, 'hour': 3600000000,
        'day': 86400000000} -%}
    {%- if part == 'month' -%}
    cast(
        (year({{ end }}) * 12 + month({{ end }})) - (year({{ start }}) * 12 + month({{ start }}))
        as bigint
    )
    {%- elif part in micros -%}
    {%- set epoch = "timestamp_ntz '1970-01-01 00:00:00'" -%}
    cast(
        floor(cast(timestampdiff(microsecond, {{ epoch }}, {{ end }}) as decimal(20, 0)) / {{ micros[part] }})
        - floor(cast(timestampdiff(microsecond, {{ epoch }}, {{ start }}) as decimal(20, 0)) / {{ micros[part] }})
        as bigint
    )
    {%- else -%}
    {{ exceptions.raise_compiler_error("date_diff: no Spark version for part " ~ part) }}
    {%- endif -%}
{%- endmacro %}

{# ISO day of week: Monday 1 .. Sunday 7. #}
{% macro iso_day_of_week(expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(expression)) }}
{%- endmacro %}
{% macro default__iso_day_of_week(expression) -%}
    isodow({{ expression }})
{%- endmacro %}
{% macro spark__iso_day_of_week(expression) -%}
    (weekday({{ expression }}) + 1)
{%- endmacro %}

{# Integer division, truncating. #}
{% macro integer_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_divide')(dividend, divisor)) }}
{%- endmacro %}
{% macro default__integer_divide(dividend, divisor) -%}
    ({{ dividend }} // {{ divisor }})
{%- endmacro %}
{% macro spark__integer_divide(dividend, divisor) -%}
    ({{ dividend }} div {{ divisor }})
{%- endmacro %}

{# `as not materialized`: DuckDB inlines the CTE where it is read instead of computing it once;
   Spark always inlines CTEs and has no such keyword. #}
{% macro cte_inlined() -%}
    {{ return(adapter.dispatch('cte_inlined')()) }}
{%- endmacro %}
{% macro default__cte_inlined() -%}
    not materialized
{%- endmacro %}
{% macro spark__cte_inlined() -%}
{%- endmacro %}

{# The 128-bit integer of DuckDB's sums of BIGINT; Spark: DECIMAL(38, 0), as exact. The
   enforced contracts (quality/_quality__models.yml) say the same through target.type: a
   model's yml cannot call a macro. #}
{% macro type_hugeint() -%}
    {{ return(adapter.dispatch('type_hugeint')()) }}
{%- endmacro %}
{% macro default__type_hugeint() -%}
    hugeint
{%- endmacro %}
{% macro spark__type_hugeint() -%}
    decimal(38, 0)
{%- endmacro %}

{# The keyword of a star that leaves columns out: `select * {{ star_except() }} (a, b)`. DuckDB
   reads both `exclude` and `except`, Spark only `except`; DuckDB's own word keeps the models
   readable by sqlfluff's DuckDB dialect. #}
{% macro star_except() -%}
    {{ return(adapter.dispatch('star_except')()) }}
{%- endmacro %}
{% macro default__star_except() -%}
    exclude
{%- endmacro %}
{% macro spark__star_except() -%}
    except
{%- endmacro %}

{# Whole days from date `start_expr` to date `end_expr` (negative when end is earlier). #}
{% macro days_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('days_between', 'gridseg')(start_expr, end_expr)) }}
{%- endmacro %}
{% macro default__days_between(start_expr, end_expr) -%}
    date_diff('day', {{ start_expr }}, {{ end_expr }})
{%- endmacro %}
{% macro spark__days_between(start_expr, end_expr) -%}
    datediff({{ end_expr }}, {{ start_expr }})
{%- endmacro %}
