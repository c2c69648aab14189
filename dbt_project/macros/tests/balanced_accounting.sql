{# Passes when every row's received count equals accepted + quarantined + exact duplicates. #}
{% test balanced_accounting(model) %}
select *
from {{ model }}
where rows_received <> rows_accepted + rows_quarantined + rows_exact_duplicate
{% endtest %}
