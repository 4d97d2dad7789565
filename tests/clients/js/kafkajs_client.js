#!/usr/bin/env node
// kafkajs_client: the test-client contract (tests/clients/README.md) for kafkajs 2.2.4.
//
// kafkajs has no linger: an application batches by handing send() several messages, so this
// sends the records in order, up to 100 per send() call, each call awaited before the next
// (every delivery is awaited). --linger-ms and the codecs kafkajs lacks without plugins
// (snappy, lz4, zstd) exit 2. --transactional-id: transactions of 100 records, each committed.
// --ssl-ca/--ssl-cert/--ssl-key become kafkajs's `ssl` (Node's TLS, host name checked),
// --sasl-mechanism/--sasl-user/--sasl-password its `sasl` (contract.tls, contract.sasl).
// Unset options are kafkajs's defaults. One JSON line on stdout; kafkajs's logs go to stderr.
'use strict'

const { Kafka, logLevel, CompressionTypes } = require('kafkajs')
const VERSION = require('kafkajs/package.json').version
const contract = require('./contract')

const log = contract.logger('kafkajs_client')

const a = contract.parseArgs('kafkajs_client', 'none|gzip', process.argv.slice(2))
if (a.lingerMs !== undefined) {
  log('kafkajs has no linger setting (the application batches by calling send() with many messages)')
  process.exit(2)
}
const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP }
if (a.compression !== undefined && !(a.compression in CODECS)) {
  log(`kafkajs ${VERSION} has no ${a.compression} codec without a plugin`)
  process.exit(2)
}

const st = contract.state(e => String(e && e.type ? `${e.type}: ${e.message}` : (e && e.message) || e))

const stderrLogger = () => ({ namespace, level, label, log: entry }) => {
  const { message, ...extra } = entry
  process.stderr.write(`${new Date().toISOString()} kafkajs ${label} [${namespace}] ${message} ` +
    `${JSON.stringify(extra)}\n`)
}

const kafka = new Kafka({
  clientId: 'kchaos-test-kafkajs',
  brokers: [a.bootstrap],
  ssl: contract.tls(a),
  sasl: contract.sasl(a),
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

async function produce () {
  const cfg = {}
  if (a.idempotent) cfg.idempotent = true
  if (a.maxInFlight !== undefined) cfg.maxInFlightRequests = a.maxInFlight
  if (a.transactionalId) cfg.transactionalId = a.transactionalId
  const producer = kafka.producer(cfg)
  await producer.connect()
  const base = { topic: a.topic }
  if (contract.acks(a) !== undefined) base.acks = contract.acks(a)
  if (a.compression !== undefined) base.compression = CODECS[a.compression]
  await contract.produceChunks(a, st, log,
    messages => contract.sendChunk(a, producer, () => producer.transaction(), { ...base, messages }),
    st.addError)
  await producer.disconnect()
}

async function consume () {
  const consumer = kafka.consumer({ groupId: contract.group(a) })
  const tally = new contract.Tally(a)
  let done
  const finished = new Promise(resolve => { done = resolve })
  await consumer.connect()
  await consumer.subscribe({ topic: a.topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (tally.add(message.key ? message.key.toString() : '', partition)) done()
    }
  })
  consumer.on(consumer.events.CRASH, e => st.addError(e.payload.error))
  const timer = setTimeout(done, 60000)
  await finished
  clearTimeout(timer)
  await consumer.disconnect()
  return tally.counts()
}

async function main () {
  const counts = await contract.run(a, st, log, produce, consume)
  await recordBrokers()
  contract.printSummary('kafkajs', VERSION, a, st, counts)
}

main()
