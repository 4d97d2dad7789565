#!/usr/bin/env node
// platformatic_client: the test-client contract (tests/clients/README.md) for @platformatic/kafka.
//
// Pinned to 1.35.0 (package.json): the newest line that runs on Node 20 (2.x declares
// Node >= 22.22). Its producer has no linger of its own for send(): like kafkajs, the
// application batches, so this sends the records in order, up to 100 per send() call, each
// awaited. --linger-ms and codecs the library reports unavailable (zstd on Node 20) exit 2.
// --max-in-flight is the connection's maxInflights. --transactional-id: transactions of 100
// records, each committed. Unset options are the library's defaults. One JSON line on stdout.
'use strict'

const fs = require('fs')
const path = require('path')

const PKG = path.join(__dirname, 'node_modules', '@platformatic', 'kafka', 'package.json')

function log (msg) { process.stderr.write(`platformatic_client: ${msg}\n`) }

function usage (msg) {
  process.stderr.write(`platformatic_client: ${msg}\nusage: platformatic_client.js --bootstrap B ` +
    '--topic T --prefix P [--count N] [--acks all|1|0] [--idempotent] [--compression C] ' +
    '[--max-in-flight K] [--consume] [--group G] [--rate N] [--value-size BYTES] ' +
    '[--transactional-id ID]\n')
  process.exit(2)
}

function parseArgs (argv) {
  const a = { count: 100 }
  const flags = { '--idempotent': 'idempotent', '--consume': 'consume' }
  const values = {
    '--bootstrap': 'bootstrap', '--topic': 'topic', '--prefix': 'prefix', '--count': 'count',
    '--acks': 'acks', '--compression': 'compression', '--max-in-flight': 'maxInFlight',
    '--linger-ms': 'lingerMs', '--group': 'group', '--rate': 'rate', '--value-size': 'valueSize',
    '--transactional-id': 'transactionalId'
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

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function main () {
  const a = parseArgs(process.argv.slice(2))
  const K = await import('@platformatic/kafka')
  const VERSION = JSON.parse(fs.readFileSync(PKG, 'utf8')).version
  if (a.lingerMs !== undefined) {
    log(`@platformatic/kafka ${VERSION}: send() has no linger (the application batches)`)
    process.exit(2)
  }
  if (a.compression !== undefined) {
    const algo = K.compressionsAlgorithms[a.compression]
    if (!algo || !algo.available) {
      log(`@platformatic/kafka ${VERSION} has no ${a.compression} codec on Node ${process.version}`)
      process.exit(2)
    }
  }

  const st = { acked: 0, errors: [], brokers: new Set() }
  const addError = e => {
    // The library wraps broker errors in an AggregateError; the broker's error is inside.
    const inner = e && e.errors && e.errors.length ? ` (${e.errors.map(x => (x && x.message) || x).join('; ')})` : ''
    const text = (String((e && e.message) || e) + inner).slice(0, 200)
    if (!st.errors.includes(text) && st.errors.length < 8) st.errors.push(text)
  }
  const recordBrokers = async client => {
    try {
      const md = await client.metadata({ topics: [a.topic], forceUpdate: true })
      for (const b of md.brokers.values()) st.brokers.add(`${b.host}:${b.port}`)
    } catch (e) {
      log(`metadata failed: ${e}`)
    }
  }
  const base = { clientId: 'kchaos-test-platformatic', bootstrapBrokers: [a.bootstrap] }
  if (a.maxInFlight !== undefined) base.maxInflights = a.maxInFlight

  async function produce () {
    const cfg = { ...base, serializers: K.stringSerializers }
    if (a.acks !== undefined) cfg.acks = a.acks === 'all' || a.acks === '-1' ? -1 : Number(a.acks)
    if (a.compression !== undefined) cfg.compression = a.compression
    if (a.idempotent) cfg.idempotent = true
    if (a.transactionalId) {
      cfg.transactionalId = a.transactionalId
      cfg.idempotent = true // the library requires it of a transactional producer
    }
    const producer = new K.Producer(cfg)
    const t0 = Date.now()
    try {
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
          messages.push({ topic: a.topic, key, value })
        }
        try {
          if (a.transactionalId) {
            const tx = await producer.beginTransaction()
            try {
              await tx.send({ messages })
              await tx.commit()
            } catch (e) {
              await tx.abort().catch(() => {})
              throw e
            }
          } else {
            await producer.send({ messages })
          }
          st.acked += messages.length
        } catch (e) {
          addError(e)
          log(`send failed: ${e.stack || e}${e.errors ? ' ' + e.errors.map(x => (x && x.stack) || x).join('; ') : ''}`)
        }
        i = end
      }
      const s = (Date.now() - t0) / 1000
      log(`produced ${a.count} records in ${s.toFixed(2)}s (${(a.count / (s || 1e-3)).toFixed(0)} records/s), ${st.acked} acked`)
      await recordBrokers(producer)
    } finally {
      await producer.close().catch(() => {})
    }
  }

  async function consume () {
    const consumer = new K.Consumer({
      ...base,
      groupId: a.group || `${a.prefix}-group`,
      deserializers: K.stringDeserializers
    })
    const seen = new Uint32Array(a.count)
    const last = new Map()
    let consumed = 0; let dups = 0; let ooo = 0; let distinct = 0
    const opts = { topics: [a.topic], mode: K.MessagesStreamModes.COMMITTED, fallbackMode: K.MessagesStreamFallbackModes.EARLIEST }
    if (a.transactionalId) opts.isolationLevel = K.FetchIsolationLevels.READ_COMMITTED
    try {
      const stream = await consumer.consume(opts)
      let stopping = false // leaving the loop aborts the stream's pending fetch: not an error
      stream.on('error', e => {
        log(`consumer stream: ${e.stack || e}`)
        if (!stopping) addError(e)
      })
      const deadline = setTimeout(() => { stopping = true; stream.close().catch(() => {}) }, 60000)
      for await (const m of stream) {
        const k = m.key || ''
        if (k.startsWith(a.prefix + '-')) {
          const i = Number(k.slice(a.prefix.length + 1))
          if (Number.isInteger(i)) {
            consumed++
            if (i >= 0 && i < a.count) {
              if (seen[i]++) dups++
              else distinct++
              if (i < (last.has(m.partition) ? last.get(m.partition) : -1)) ooo++
              last.set(m.partition, i)
            }
          }
        }
        if (distinct === a.count) {
          stopping = true
          break
        }
      }
      clearTimeout(deadline)
      await recordBrokers(consumer)
    } finally {
      await consumer.close(true).catch(e => log(`consumer close: ${e}`))
    }
    let missing = 0
    for (let i = 0; i < a.count; i++) if (!seen[i]) missing++
    return { consumed, dups, missing, ooo }
  }

  let counts = { consumed: 0, dups: 0, missing: 0, ooo: 0 }
  try {
    await produce()
  } catch (e) {
    log(`producer failed: ${e.stack || e}`)
    addError(e)
  }
  if (a.consume) {
    try {
      counts = await consume()
    } catch (e) {
      log(`consumer failed: ${e.stack || e}`)
      addError(e)
      counts.missing = a.count
    }
  }
  process.stdout.write(JSON.stringify({
    client: '@platformatic/kafka',
    version: VERSION,
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

main().catch(e => {
  log(`failed: ${e.stack || e}`)
  process.exit(1)
})
