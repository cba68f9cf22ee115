-- The index schema before versioning (commit 447531f), as homes made then still hold it.
CREATE TABLE IF NOT EXISTS artifacts (
    cid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT,
    kind TEXT NOT NULL,
    profile TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    file_count INTEGER NOT NULL,
    publisher TEXT NOT NULL,
    access TEXT NOT NULL,
    published_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS artifacts_by_name ON artifacts (name, version);
CREATE TABLE IF NOT EXISTS records (cid TEXT PRIMARY KEY, type TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edges (
    child TEXT NOT NULL, parent TEXT NOT NULL, relation TEXT NOT NULL,
    PRIMARY KEY (child, parent, relation)
);
CREATE INDEX IF NOT EXISTS edges_by_parent ON edges (parent);
CREATE TABLE IF NOT EXISTS roots (cid TEXT PRIMARY KEY, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, scope TEXT NOT NULL,
    created_at REAL NOT NULL, revoked_at REAL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, args TEXT NOT NULL, state TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pins (
    cid TEXT NOT NULL, remote TEXT NOT NULL, state TEXT NOT NULL,
    blocks_sent INTEGER NOT NULL DEFAULT 0, bytes_sent INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '', updated_at REAL NOT NULL,
    PRIMARY KEY (cid, remote)
);
CREATE TABLE IF NOT EXISTS anchors (
    id INTEGER PRIMARY KEY, root BLOB NOT NULL, chain_id TEXT NOT NULL, contract TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL, tx TEXT NOT NULL DEFAULT '', block INTEGER NOT NULL DEFAULT 0,
    records INTEGER NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS anchors_by_target ON anchors (chain_id, contract, state);
CREATE TABLE IF NOT EXISTS anchor_proofs (
    cid TEXT NOT NULL, anchor INTEGER NOT NULL, leaf BLOB NOT NULL, proof BLOB NOT NULL,
    PRIMARY KEY (cid, anchor)
);
CREATE TABLE IF NOT EXISTS arweave_txs (
    tx_id TEXT PRIMARY KEY, cid TEXT NOT NULL, role TEXT NOT NULL, state TEXT NOT NULL,
    data_size INTEGER NOT NULL, reward TEXT NOT NULL,
    chunks_done INTEGER NOT NULL DEFAULT 0, chunks_total INTEGER NOT NULL,
    confirmations INTEGER NOT NULL DEFAULT 0, block_height INTEGER,
    roots TEXT NOT NULL DEFAULT '', header TEXT NOT NULL, spool TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS arweave_txs_by_cid ON arweave_txs (cid);
CREATE TABLE IF NOT EXISTS arweave_blocks (
    cid BLOB PRIMARY KEY, tx_id TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS arweave_blocks_by_tx ON arweave_blocks (tx_id);
