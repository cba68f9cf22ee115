"""Cairn's records (manifests, runs, names, attestations), their signatures, and the workflows
that understand them: publish, pull, verify, pin, anchor, and the provenance graph."""
