"""The index: every SQL statement of Cairn, over SQLite or PostgreSQL.

What is listed (artifacts, names, lineage edges, anchors), API tokens and the job queue. It
stores rows derived from signed records and never block bytes.
"""
