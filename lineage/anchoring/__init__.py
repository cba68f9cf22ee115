"""Anchoring records on a ledger in batches: Merkle roots on an EVM chain or on Arweave, and
the proofs anyone can check.
"""
