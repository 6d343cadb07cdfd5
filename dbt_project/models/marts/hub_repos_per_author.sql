-- The Hub-wide repos_per_author (Fig 2) from an HFCommunity dump: every model repo's human commit authors.
{{ repos_per_author_from(ref('int_hfc_commit_authors')) }}
