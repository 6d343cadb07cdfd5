-- The Hub-wide authors_over_time (Fig 1) from an HFCommunity dump: every model repo's human commit authors.
{{ authors_over_time_from(ref('int_hfc_commit_authors')) }}
