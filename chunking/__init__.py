"""Bytes -> chunks -> hashes -> CIDs -> UnixFS DAG nodes -> CAR streams.

Pure functions and small values; nothing here touches a store or the network.
"""
