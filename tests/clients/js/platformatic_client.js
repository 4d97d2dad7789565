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
const contract = require('./contract')

const PKG = path.join(__dirname, 'node_modules', '@platformatic', 'kafka', 'package.json')

const log = contract.logger('platformatic_client')

async function main () {
  const a = contract.parseArgs('platformatic_client', 'C', process.argv.slice(2))
  const K = await import('@platformatic/kafka')
  const VERSION = JSON.parse(fs.readFileSync(PKG, 'utf8')).version
  if (contract.tls(a) || contract.sasl(a)) {
    log('platformatic_client does not take the TLS and SASL options yet')
    process.exit(2)
  }
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

  const st = contract.state(e => {
    // The library wraps broker errors in an AggregateError; the broker's error is inside.
    const inner = e && e.errors && e.errors.length ? ` (${e.errors.map(x => (x && x.message) || x).join('; ')})` : ''
    return String((e && e.message) || e) + inner
  })
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
    if (a.acks !== undefined) cfg.acks = contract.acks(a)
    if (a.compression !== undefined) cfg.compression = a.compression
    if (a.idempotent) cfg.idempotent = true
    if (a.transactionalId) {
      cfg.transactionalId = a.transactionalId
      cfg.idempotent = true // the library requires it of a transactional producer
    }
    const producer = new K.Producer(cfg)
    try {
      await contract.produceChunks(a, st, log,
        messages => contract.sendChunk(a, producer, () => producer.beginTransaction(),
          { messages: messages.map(m => ({ topic: a.topic, ...m })) }),
        e => {
          st.addError(e)
          log(`send failed: ${e.stack || e}${e.errors ? ' ' + e.errors.map(x => (x && x.stack) || x).join('; ') : ''}`)
        })
      await recordBrokers(producer)
    } finally {
      await producer.close().catch(() => {})
    }
  }

  async function consume () {
    const consumer = new K.Consumer({
      ...base,
      groupId: contract.group(a),
      deserializers: K.stringDeserializers
    })
    const tally = new contract.Tally(a)
    const opts = { topics: [a.topic], mode: K.MessagesStreamModes.COMMITTED, fallbackMode: K.MessagesStreamFallbackModes.EARLIEST }
    if (a.transactionalId) opts.isolationLevel = K.FetchIsolationLevels.READ_COMMITTED
    try {
      const stream = await consumer.consume(opts)
      let stopping = false // leaving the loop aborts the stream's pending fetch: not an error
      stream.on('error', e => {
        log(`consumer stream: ${e.stack || e}`)
        if (!stopping) st.addError(e)
      })
      const deadline = setTimeout(() => { stopping = true; stream.close().catch(() => {}) }, 60000)
      for await (const m of stream) {
        tally.add(m.key || '', m.partition)
        if (tally.complete) {
          stopping = true
          break
        }
      }
      clearTimeout(deadline)
      await recordBrokers(consumer)
    } finally {
      await consumer.close(true).catch(e => log(`consumer close: ${e}`))
    }
    return tally.counts()
  }

  const counts = await contract.run(a, st, log, produce, consume)
  contract.printSummary('@platformatic/kafka', VERSION, a, st, counts)
}

main().catch(e => {
  log(`failed: ${e.stack || e}`)
  process.exit(1)
})
