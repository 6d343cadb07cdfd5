-- Fig 2. Distinct repos each human commit author committed to.
{{ repos_per_author_from(ref('int_commit_authors')) }}
