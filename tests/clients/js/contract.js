// contract: what the Node test clients (kafkajs_client.js, platformatic_client.js) share of
// the test-client contract (tests/clients/README.md): the command line, the errors, the
// records sent in order (--rate pacing, --value-size, transactions of 100), the consumer's
// bookkeeping (duplicates, missing, out_of_order) and the summary line. Node only, no
// dependencies.
'use strict'

function logger (name) {
  return msg => process.stderr.write(`${name}: ${msg}\n`)
}

// The contract's options; codecs is what the usage line lists for --compression.
function parseArgs (name, codecs, argv) {
  const usage = msg => {
    process.stderr.write(`${name}: ${msg}\nusage: ${name}.js --bootstrap B --topic T ` +
      `--prefix P [--count N] [--acks all|1|0] [--idempotent] [--compression ${codecs}] ` +
      '[--max-in-flight K] [--consume] [--group G] [--rate N] [--value-size BYTES] ' +
      '[--transactional-id ID] [--ssl-ca FILE] [--ssl-cert FILE] [--ssl-key FILE] ' +
      '[--sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512] [--sasl-user U] [--sasl-password P]\n')
    process.exit(2)
  }
  const a = { count: 100 }
  const flags = { '--idempotent': 'idempotent', '--consume': 'consume' }
  const values = {
    '--bootstrap': 'bootstrap', '--topic': 'topic', '--prefix': 'prefix', '--count': 'count',
    '--acks': 'acks', '--compression': 'compression', '--max-in-flight': 'maxInFlight',
    '--linger-ms': 'lingerMs', '--group': 'group', '--rate': 'rate', '--value-size': 'valueSize',
    '--transactional-id': 'transactionalId', '--ssl-ca': 'sslCa', '--ssl-cert': 'sslCert',
    '--ssl-key': 'sslKey', '--sasl-mechanism': 'saslMechanism', '--sasl-user': 'saslUser',
    '--sasl-password': 'saslPassword'
  }
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]
    if (flags[k]) a[flags[k]] = true
    else if (values[k] && i + 1 < argv.length) a[values[k]] = argv[++i]
    else usage(`unknown or incomplete option ${k}`)
  }
  if (!a.bootstrap || !a.topic || !a.prefix) usage('--bootstrap, --topic and --prefix are required')
  for (const k of ['count', 'maxInFlight', 'lingerMs', 'rate', 'valueSize']) {
    if (a[k] !== undefined) a[k] = Number(a[k])
  }
  return a
}

const group = a => a.group || `${a.prefix}-group`

// The TLS and SASL options (as rdkafka_client): --ssl-ca verifies the broker (host name
// included), --ssl-cert/--ssl-key present a client certificate, --sasl-mechanism with
// --sasl-user/--sasl-password logs in. tls(a): the PEM contents {ca, cert, key}, or undefined
// without any TLS option; sasl(a): {mechanism (lower case), username, password} or undefined.
function tls (a) {
  if (!a.sslCa && !a.sslCert && !a.sslKey) return undefined
  const fs = require('fs')
  const out = { rejectUnauthorized: true }
  if (a.sslCa) out.ca = [fs.readFileSync(a.sslCa)]
  if (a.sslCert) out.cert = fs.readFileSync(a.sslCert)
  if (a.sslKey) out.key = fs.readFileSync(a.sslKey)
  return out
}

function sasl (a) {
  if (!a.saslMechanism) return undefined
  return { mechanism: a.saslMechanism.toLowerCase(), username: a.saslUser, password: a.saslPassword }
}

// --acks as a number (all: -1), undefined when unset.
function acks (a) {
  if (a.acks === undefined) return undefined
  return a.acks === 'all' || a.acks === '-1' ? -1 : Number(a.acks)
}

// What the summary reports of the run; describe(e) is an error's text (cut to 200
// characters, the first 8 distinct ones kept).
function state (describe) {
  const st = { acked: 0, errors: [], brokers: new Set() }
  st.addError = e => {
    const text = describe(e).slice(0, 200)
    if (!st.errors.includes(text) && st.errors.length < 8) st.errors.push(text)
  }
  return st
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

// Sends the records in order, record i (key P-i, value P-i-v padded to --value-size) in chunks:
// the records due now (all of them without --rate), at most 100, never across a transaction of
// 100. send(messages) delivers a chunk, [{ key, value }], and resolves once it is acknowledged
// (then all of them count as acked); failed(e) is told a chunk's failure.
async function produceChunks (a, st, log, send, failed) {
  const t0 = Date.now()
  let i = 0
  while (i < a.count) {
    if (a.rate) {
      const ahead = i / a.rate * 1000 - (Date.now() - t0)
      if (ahead > 0) await sleep(ahead)
    }
    let end = Math.min(a.count, i + 100)
    if (a.transactionalId) end = Math.min(end, (Math.floor(i / 100) + 1) * 100)
    if (a.rate) end = Math.min(end, Math.max(i + 1, Math.floor((Date.now() - t0) / 1000 * a.rate) + 1))
    const messages = []
    for (let j = i; j < end; j++) {
      const key = `${a.prefix}-${j}`
      let value = `${key}-v`
      if (a.valueSize && a.valueSize > value.length) value += 'x'.repeat(a.valueSize - value.length)
      messages.push({ key, value })
    }
    try {
      await send(messages)
      st.acked += messages.length
    } catch (e) {
      failed(e)
    }
    i = end
  }
  const s = (Date.now() - t0) / 1000
  log(`produced ${a.count} records in ${s.toFixed(2)}s (${(a.count / (s || 1e-3)).toFixed(0)} records/s), ${st.acked} acked`)
}

// One chunk through producer.send(payload), or with --transactional-id in a transaction of its
// own from begin(), committed (aborted if anything fails, the failure passed on).
async function sendChunk (a, producer, begin, payload) {
  if (!a.transactionalId) return producer.send(payload)
  const tx = await begin()
  try {
    await tx.send(payload)
    await tx.commit()
  } catch (e) {
    await tx.abort().catch(() => {})
    throw e
  }
}

// The consumer's bookkeeping over the keys P-<i> read back.
class Tally {
  constructor (a) {
    this.a = a
    this.seen = new Uint32Array(a.count)
    this.last = new Map()
    this.consumed = 0; this.dups = 0; this.ooo = 0; this.distinct = 0
  }

  get complete () { return this.distinct === this.a.count }

  // Counts a record read from partition; true when it was the last key not seen yet.
  add (k, partition) {
    const a = this.a
    if (!k.startsWith(a.prefix + '-')) return false
    const i = Number(k.slice(a.prefix.length + 1))
    if (!Number.isInteger(i)) return false
    this.consumed++
    let last = false
    if (i >= 0 && i < a.count) {
      if (this.seen[i]++) this.dups++
      else last = ++this.distinct === a.count
      if (i < (this.last.has(partition) ? this.last.get(partition) : -1)) this.ooo++
      this.last.set(partition, i)
    }
    return last
  }

  counts () {
    let missing = 0
    for (let i = 0; i < this.a.count; i++) if (!this.seen[i]) missing++
    return { consumed: this.consumed, dups: this.dups, missing, ooo: this.ooo }
  }
}

// Produce, then (--consume) read back; a producer or consumer that fails is an error in the
// summary (its records missing). Returns the consumer's counts.
async function run (a, st, log, produce, consume) {
  let counts = { consumed: 0, dups: 0, missing: 0, ooo: 0 }
  try {
    await produce()
  } catch (e) {
    log(`producer failed: ${e.stack || e}`)
    st.addError(e)
  }
  if (a.consume) {
    try {
      counts = await consume()
    } catch (e) {
      log(`consumer failed: ${e.stack || e}`)
      st.addError(e)
      counts.missing = a.count
    }
  }
  return counts
}

// The summary line on stdout, then exit 0.
function printSummary (client, version, a, st, counts) {
  process.stdout.write(JSON.stringify({
    client,
    version,
    produced: a.count,
    acked: st.acked,
    consumed: counts.consumed,
    duplicates: counts.dups,
    missing: counts.missing,
    out_of_order: counts.ooo,
    brokers_seen: [...st.brokers].sort(),
    errors: st.errors
  }) + '\n')
  process.exit(0)
}

module.exports = { logger, parseArgs, group, tls, sasl, acks, state, produceChunks, sendChunk, Tally, run, printSummary }
