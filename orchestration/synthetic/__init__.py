"""The generators of every source, in the real sources' formats.

They make the offline default, the tests' data and the benchmarks' inputs, deterministic by seed:
`snapshot` writes the paper's three files (and the final v1 table), `weekly` the weekly v2
leaderboard pulls, `hfcommunity` the HFCommunity dumps. The readers in `orchestration/defs/<source>/`
read what they write exactly as they read the real files.
"""
