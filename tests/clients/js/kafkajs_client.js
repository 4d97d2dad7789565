#!/usr/bin/env node
// kafkajs_client: the test-client contract (tests/clients/README.md) for kafkajs 2.2.4.
//
// kafkajs has no linger: an application batches by handing send() several messages, so this
// sends the records in order, up to 100 per send() call, each call awaited before the next
// (every delivery is awaited). --linger-ms and the codecs kafkajs lacks without plugins
// (snappy, lz4, zstd) exit 2. --transactional-id: transactions of 100 records, each committed.
// Unset options are kafkajs's defaults. One JSON line on stdout; kafkajs's logs go to stderr.
'use strict'

const { Kafka, logLevel, CompressionTypes } = require('kafkajs')
const VERSION = require('kafkajs/package.json').version

function log (msg) { process.stderr.write(`kafkajs_client: ${msg}\n`) }

function usage (msg) {
  process.stderr.write(`kafkajs_client: ${msg}\nusage: kafkajs_client.js --bootstrap B --topic T ` +
    '--prefix P [--count N] [--acks all|1|0] [--idempotent] [--compression none|gzip] ' +
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

const a = parseArgs(process.argv.slice(2))
if (a.lingerMs !== undefined) {
  log('kafkajs has no linger setting (the application batches by calling send() with many messages)')
  process.exit(2)
}
const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP }
if (a.compression !== undefined && !(a.compression in CODECS)) {
  log(`kafkajs ${VERSION} has no ${a.compression} codec without a plugin`)
  process.exit(2)
}

const st = { acked: 0, errors: [], brokers: new Set() }
function addError (e) {
  const text = String(e && e.type ? `${e.type}: ${e.message}` : (e && e.message) || e).slice(0, 200)
  if (!st.errors.includes(text) && st.errors.length < 8) st.errors.push(text)
}

const stderrLogger = () => ({ namespace, level, label, log: entry }) => {
  const { message, ...extra } = entry
  process.stderr.write(`${new Date().toISOString()} kafkajs ${label} [${namespace}] ${message} ` +
    `${JSON.stringify(extra)}\n`)
}

const kafka = new Kafka({
  clientId: 'kchaos-test-kafkajs',
  brokers: [a.bootstrap],
  logLevel: logLevel.WARN,
  logCreator: stderrLogger
})

async function recordBrokers () {
  const admin = kafka.admin()
  try {
    await admin.connect()
    const c = await admin.describeCluster()
    for (const b of c.brokers) st.brokers.add(`${b.host}:${b.port}`)
  } catch (e) {
    log(`describeCluster failed: ${e}`)
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

function acksValue () {
  if (a.acks === undefined) return undefined
  return a.acks === 'all' || a.acks === '-1' ? -1 : Number(a.acks)
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function produce () {
  const cfg = {}
  if (a.idempotent) cfg.idempotent = true
  if (a.maxInFlight !== undefined) cfg.maxInFlightRequests = a.maxInFlight
  if (a.transactionalId) cfg.transactionalId = a.transactionalId
  const producer = kafka.producer(cfg)
  await producer.connect()
  const t0 = Date.now()
  const base = { topic: a.topic }
  if (acksValue() !== undefined) base.acks = acksValue()
  if (a.compression !== undefined) base.compression = CODECS[a.compression]
  const chunkMax = 100
  let i = 0
  while (i < a.count) {
    // The records due now (all of them without --rate), at most 100, in order.
    if (a.rate) {
      const ahead = i / a.rate * 1000 - (Date.now() - t0)
      if (ahead > 0) await sleep(ahead)
    }
    let end = Math.min(a.count, i + chunkMax)
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
      if (a.transactionalId) {
        const tx = await producer.transaction()
        try {
          await tx.send({ ...base, messages })
          await tx.commit()
        } catch (e) {
          await tx.abort().catch(() => {})
          throw e
        }
      } else {
        await producer.send({ ...base, messages })
      }
      st.acked += messages.length
    } catch (e) {
      addError(e)
    }
    i = end
  }
  const s = (Date.now() - t0) / 1000
  log(`produced ${a.count} records in ${s.toFixed(2)}s (${(a.count / (s || 1e-3)).toFixed(0)} records/s), ${st.acked} acked`)
  await producer.disconnect()
}

async function consume () {
  const consumer = kafka.consumer({ groupId: a.group || `${a.prefix}-group` })
  const seen = new Uint32Array(a.count)
  const last = new Map()
  let consumed = 0; let dups = 0; let ooo = 0; let distinct = 0
  let done
  const finished = new Promise(resolve => { done = resolve })
  await consumer.connect()
  await consumer.subscribe({ topic: a.topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const k = message.key ? message.key.toString() : ''
      if (!k.startsWith(a.prefix + '-')) return
      const i = Number(k.slice(a.prefix.length + 1))
      if (!Number.isInteger(i)) return
      consumed++
      if (i >= 0 && i < a.count) {
        if (seen[i]++) dups++
        else if (++distinct === a.count) done()
        if (i < (last.has(partition) ? last.get(partition) : -1)) ooo++
        last.set(partition, i)
      }
    }
  })
  consumer.on(consumer.events.CRASH, e => addError(e.payload.error))
  const timer = setTimeout(done, 60000)
  await finished
  clearTimeout(timer)
  await consumer.disconnect()
  let missing = 0
  for (let i = 0; i < a.count; i++) if (!seen[i]) missing++
  return { consumed, dups, missing, ooo }
}

async function main () {
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
  await recordBrokers()
  process.stdout.write(JSON.stringify({
    client: 'kafkajs',
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

main()
