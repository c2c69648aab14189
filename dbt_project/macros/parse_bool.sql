{# Contract booleans: true/false/1/0/Y/N (any case). Anything else is null. #}
{% macro parse_bool(expr) -%}
    case lower(trim({{ expr }}))
        when 'true' then true when '1' then true when 'y' then true when 'yes' then true when 't' then true
        when 'false' then false when '0' then false when 'n' then false when 'no' then false when 'f' then false
    end
{%- endmacro %}
