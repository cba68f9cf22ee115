#!/usr/bin/env node
// Reference CIDs from the JS UnixFS importer (ipfs-unixfs-importer), for Cairn's tests.
//
//   node unixfs_cid.mjs PATH [--profile unixfs-v1-2025] [--chunk-size N] [--max-children N]
//                            [--shard-threshold N] [--shard-strategy links-bytes|block-bytes]
//                            [--skip-hidden]
//
// Prints the root CID of PATH (a file, or a folder as one directory tree) exactly as the importer
// computes it: CIDv1, raw leaves, sha2-256, fixed-size chunks, balanced layout,
// reduceSingleLeafToSelf. Options left out keep the importer's defaults (or those of --profile,
// when given), so a test can check Cairn against the importer's own profile definitions too.
//
// A folder is fed to the importer the way globbing sources do: every directory (empty ones
// included) before its contents, entries in UTF-8 byte order, symbolic links followed.
// Blocks go to a black-hole blockstore: only the CIDs are wanted, and a 300 MB file must not be
// held in memory.
//
// Known quirk of the importer (not of this script): its shard-size estimate counts only entries
// that already have a CID when a file is added, so a sub-folder with contents counts for nothing
// there, while Kubo and Cairn count it like any other link.

import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { BlackHoleBlockstore } from 'blockstore-core/black-hole'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'

const SMALL_FILE = 1 << 20

function fail (message) {
  process.stderr.write(`unixfs_cid: ${message}\n`)
  process.exit(2)
}

function positiveInt (name, text) {
  if (text === undefined) return undefined
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) fail(`--${name} needs a positive integer, got ${text}`)
  return Number(text)
}

function importerOptions (values) {
  const options = {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    wrapWithDirectory: false
  }
  if (values.profile !== undefined) options.profile = values.profile
  const chunkSize = positiveInt('chunk-size', values['chunk-size'])
  if (chunkSize !== undefined) options.chunker = fixedSize({ chunkSize })
  const maxChildrenPerNode = positiveInt('max-children', values['max-children'])
  if (maxChildrenPerNode !== undefined) options.layout = balanced({ maxChildrenPerNode })
  const threshold = positiveInt('shard-threshold', values['shard-threshold'])
  if (threshold !== undefined) options.shardSplitThresholdBytes = threshold
  if (values['shard-strategy'] !== undefined) options.shardSplitStrategy = values['shard-strategy']
  return options
}

// Pre-order walk: a directory, then its entries sorted by their UTF-8 bytes.
async function * candidates (absolute, relative, skipHidden) {
  const info = await stat(absolute)
  if (!info.isDirectory()) {
    // Small files are read whole (thousands of streams are slow); big ones are streamed.
    const content = info.size <= SMALL_FILE ? await readFile(absolute) : createReadStream(absolute, { highWaterMark: SMALL_FILE })
    yield { path: relative, content }
    return
  }
  yield { path: relative }
  const names = (await readdir(absolute)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  for (const name of names) {
    if (skipHidden && name.startsWith('.')) continue
    yield * candidates(join(absolute, name), `${relative}/${name}`, skipHidden)
  }
}

async function rootCid (path, options, skipHidden) {
  const absolute = resolve(path)
  const name = basename(absolute)
  let root
  for await (const entry of importer(candidates(absolute, name, skipHidden), new BlackHoleBlockstore(), options)) {
    if (entry.path === name) root = entry
  }
  if (root === undefined) fail(`the importer yielded no root for ${path}`)
  return root.cid
}

async function main () {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      'chunk-size': { type: 'string' },
      'max-children': { type: 'string' },
      'shard-threshold': { type: 'string' },
      'shard-strategy': { type: 'string' },
      'skip-hidden': { type: 'boolean', default: false }
    }
  })
  if (positionals.length !== 1) fail('give exactly one file or folder path')
  const cid = await rootCid(positionals[0], importerOptions(values), values['skip-hidden'])
  process.stdout.write(`${cid.toString()}\n`)
}

main().catch((error) => fail(error?.stack ?? String(error)))
