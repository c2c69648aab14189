{# Passes when every row of an accounting model says it balances (is_balanced). #}
{% test every_row_balanced(model) %}
select *
from {{ model }}
where not is_balanced
{% endtest %}
