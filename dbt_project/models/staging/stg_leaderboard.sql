-- One row per leaderboard row, typed; no rows dropped (dedup happens in intermediate).
-- raw.leaderboard holds either v1 layout (WAREHOUSE_V1_SOURCE): the paper's scrape or the final
-- v1 table, under the same columns; evaluated_at is null for the scrape.
{{ stage_v1_leaderboard(source('raw', 'leaderboard')) }}
