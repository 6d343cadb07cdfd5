-- Fig 3. Distinct human authors per repo; repos with none (bots only, or no authors) are left out.
{{ authors_per_repo_from(ref('int_commit_authors')) }}
