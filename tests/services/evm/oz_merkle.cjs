// The reference for lineage/merkle.py: OpenZeppelin's StandardMerkleTree over `bytes` leaves.
// stdin: {"values": ["0x…", …], "check": [{"value": "0x…", "root": "0x…", "proof": ["0x…"]}]}
// stdout: {"root", "entries": [{"value", "leaf", "proof"}], "checks": [true|false, …]}
const fs = require("fs");
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");
const { standardLeafHash } = require("@openzeppelin/merkle-tree/dist/hashes");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const out = { root: null, entries: [], checks: [] };
if (input.values.length > 0) {
  const tree = StandardMerkleTree.of(input.values.map((v) => [v]), ["bytes"]);
  out.root = tree.root;
  for (const [i, [value]] of tree.entries()) {
    out.entries.push({ value, leaf: standardLeafHash(["bytes"], [value]), proof: tree.getProof(i) });
  }
}
for (const c of input.check || []) {
  out.checks.push(StandardMerkleTree.verify(c.root, ["bytes"], [c.value], c.proof));
}
process.stdout.write(JSON.stringify(out));
