"""Signed records and the keys that sign them: the record model (manifests, runs, names),
their canonical DAG-CBOR form and signatures, trust lists, and the files' metadata shards.

The bottom of ``cairn.lineage``: nothing here opens an index or talks to a remote.
"""
