-- The final v1 table loaded beside raw.leaderboard (raw.leaderboard_v1_final), typed as
-- stg_leaderboard is: one row per row of the table, none dropped; empty when no final table is
-- configured.
{{ stage_v1_leaderboard(source('raw', 'leaderboard_v1_final')) }}
