"""The warehouse: the dbt models as assets, and their write-audit-publish."""
