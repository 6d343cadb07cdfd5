"""The weekly v2 leaderboard: the reader of its weekly files and their partitioned raw asset."""
