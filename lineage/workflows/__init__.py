"""The workflows that understand records: publish, pull, verify, pin, fetch, resolve, gc roots,
fsck. The ``Cairn`` facade (``cairn.lineage.core``) composes them; front ends call the facade.
"""
