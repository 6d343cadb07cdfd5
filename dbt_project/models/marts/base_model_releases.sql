-- The base-model release dates the time-axis figures mark (seed base_model_release_dates).
select base_model, release_date
from {{ ref('base_model_release_dates') }}
order by release_date, base_model
