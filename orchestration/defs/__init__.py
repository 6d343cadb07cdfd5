"""The code location's domains, one folder each, the data flowing from the first to the last.

Each source has its reader, its assets and its checks' wiring in one folder (`paper_snapshot`,
`leaderboard_v2`, `hub_api`, `hfcommunity`); `warehouse` builds and publishes the dbt models on
top of them, and `figures` draws the figure marts and the findings report. The mechanics every
reader shares are in `orchestration/loading.py`; `orchestration/definitions.py` assembles them.
"""
