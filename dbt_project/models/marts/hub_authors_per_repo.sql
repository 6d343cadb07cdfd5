-- The Hub-wide authors_per_repo (Fig 3) from an HFCommunity dump: every model repo's human commit authors.
{{ authors_per_repo_from(ref('int_hfc_commit_authors')) }}
