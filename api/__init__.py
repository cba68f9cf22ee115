"""The FastAPI service: REST v1, the IPFS trustless-gateway routes, a web page.

Thin over the same workflows the CLI uses (``lineage``); nothing here is business logic.
"""
