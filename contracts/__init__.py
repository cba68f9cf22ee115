"""The anchor contract: its Solidity source and the committed solcjs build (ABI and bytecode).

A package only so that the build ships with Cairn and ``cairn.storage.chain`` can load it with
``importlib.resources``; ``scripts/build-contract.sh`` regenerates the build from the source.
"""
