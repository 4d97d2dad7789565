// sarama: the test-client contract (tests/clients/README.md) for sarama
// (github.com/IBM/sarama), the other widely used Go client.
//
// sarama picks every request version from its config.Version (the Kafka version it is told
// the cluster runs), not from the broker's ApiVersions answer, so --kafka-version X.Y.Z walks
// it through the protocol's history. Against Kafka 4.x (sarama v1.61):
//
//	--kafka-version  ApiVersions  Metadata  Produce  Fetch
//	4.3.1 (default)  4            11        10       12
//	3.7.0 .. 3.8.x   3            11        10       12
//	2.8.0            3            11        9        12
//	2.1.0            3            7         7        10   (old, non-flexible encodings)
//	0.11.0 .. 1.0    3            4-5       3-5      5-6
//	0.10.2 and lower 3            <=2       <=2      <=3  (removed in Kafka 4: the broker
//	                                                        closes the connection)
//
// Producer defaults are sarama's own (acks=1 "WaitForLocal", not idempotent, 3 retries
// 100 ms apart, 5 requests in flight); --idempotent / --acks all / --transactional-id
// switch to what the option says.
//
// Extras beyond the contract:
//   - --kafka-version X.Y.Z: sarama's config.Version (default: the newest sarama knows).
//   - "connected_to" / "connect_failed": every address a connection was opened to / failed to.
//   - --allowed-ports LIST: refuse and count ("refused_connects") connections to other ports.
//   - --admin: ClusterAdmin.DescribeCluster() (DescribeCluster API from 2.8 on), its brokers
//     added to brokers_seen.
//   - --retries N: Producer.Retry.Max (default: sarama's, 3).
//   - TLS and SASL (contract.Options): --ssl-ca/--ssl-cert/--ssl-key set Net.TLS (sarama
//     wraps the dialer's connection, host name verified); --sasl-mechanism PLAIN with
//     --sasl-user/--sasl-password sets Net.SASL; SCRAM exits 2 (not wired up here).
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"kchaos/tests/clients/go/contract"
)

type options struct {
	contract.Options
	kafkaVersion string
	retries      int
	version      sarama.KafkaVersion
}

// watchDialer is sarama's Net.Proxy.Dialer: a plain dialer (sarama's default timeouts) that
// records every connection and refuses ports outside --allowed-ports.
type watchDialer struct {
	d net.Dialer
	o options
}

func (w *watchDialer) Dial(network, address string) (net.Conn, error) {
	if err := w.o.Refuse(address); err != nil {
		contract.Connected(address, err)
		return nil, err
	}
	c, err := w.d.Dial(network, address)
	contract.Connected(address, err)
	return c, err
}

func parseArgs() options {
	var o options
	o.Options = contract.Parse("sarama", "[--kafka-version X.Y.Z] [--allowed-ports LIST] [--admin] [--retries N]",
		func(fs *flag.FlagSet) {
			fs.StringVar(&o.kafkaVersion, "kafka-version", sarama.MaxVersion.String(), "")
			fs.IntVar(&o.retries, "retries", -1, "")
		})
	v, err := sarama.ParseKafkaVersion(o.kafkaVersion)
	if err != nil {
		contract.Usage("--kafka-version: " + err.Error())
	}
	o.version = v
	return o
}

func baseConfig(o options) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = "kchaos-test-sarama"
	c.Version = o.version
	c.Net.Proxy.Enable = true
	c.Net.Proxy.Dialer = &watchDialer{d: net.Dialer{Timeout: c.Net.DialTimeout, KeepAlive: c.Net.KeepAlive}, o: o}
	// sarama wraps what the dialer returns in TLS itself, the server name from the address.
	if t := o.TLSConfig(); t != nil {
		c.Net.TLS.Enable, c.Net.TLS.Config = true, t
	}
	switch o.SASLMechanism {
	case "":
	case "PLAIN":
		c.Net.SASL.Enable, c.Net.SASL.Mechanism = true, sarama.SASLTypePlaintext
		c.Net.SASL.User, c.Net.SASL.Password = o.SASLUser, o.SASLPassword
	default: // SCRAM needs a SCRAMClientGeneratorFunc (an extra module): not here
		contract.Usage("--sasl-mechanism " + o.SASLMechanism + " is not wired up (PLAIN only)")
	}
	return c
}

func producerConfig(o options) *sarama.Config {
	c := baseConfig(o)
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	switch o.Acks {
	case "":
	case "all", "-1":
		c.Producer.RequiredAcks = sarama.WaitForAll
	case "1":
		c.Producer.RequiredAcks = sarama.WaitForLocal
	case "0":
		c.Producer.RequiredAcks = sarama.NoResponse
	default:
		contract.Usage("--acks must be all, 1 or 0")
	}
	if o.Idempotent || o.TxnID != "" {
		if o.Acks != "" && c.Producer.RequiredAcks != sarama.WaitForAll {
			contract.Usage("sarama's idempotent/transactional producer needs --acks all")
		}
		if o.MaxInFlight > 1 {
			contract.Usage("sarama's idempotent producer allows one request in flight (--max-in-flight 1)")
		}
		c.Producer.Idempotent = true
		c.Producer.RequiredAcks = sarama.WaitForAll
		c.Net.MaxOpenRequests = 1
	}
	if o.TxnID != "" {
		c.Producer.Transaction.ID = o.TxnID
	}
	switch o.Compression {
	case "":
	case "none":
		c.Producer.Compression = sarama.CompressionNone
	case "gzip":
		c.Producer.Compression = sarama.CompressionGZIP
	case "snappy":
		c.Producer.Compression = sarama.CompressionSnappy
	case "lz4":
		c.Producer.Compression = sarama.CompressionLZ4
	case "zstd":
		c.Producer.Compression = sarama.CompressionZSTD
	default:
		contract.Usage("unknown --compression " + o.Compression)
	}
	if o.MaxInFlight >= 0 {
		if o.MaxInFlight < 1 {
			contract.Usage("--max-in-flight must be at least 1")
		}
		c.Net.MaxOpenRequests = o.MaxInFlight
	}
	if o.LingerMs >= 0 {
		c.Producer.Flush.Frequency = time.Duration(o.LingerMs) * time.Millisecond
	}
	if o.retries >= 0 {
		c.Producer.Retry.Max = o.retries
	}
	if err := c.Validate(); err != nil {
		contract.Usage("sarama cannot: " + err.Error())
	}
	return c
}

// recordBrokers refreshes the topic's metadata and notes every broker the client knows; with
// --admin also the brokers of ClusterAdmin.DescribeCluster().
func recordBrokers(client sarama.Client, o options) {
	if err := client.RefreshMetadata(o.Topic); err != nil {
		contract.AddError("metadata: " + err.Error())
	}
	for _, b := range client.Brokers() {
		contract.SeeBroker(b.Addr())
	}
	if o.Admin {
		admin, err := sarama.NewClusterAdminFromClient(client)
		if err != nil {
			contract.AddError("admin: " + err.Error())
			return
		}
		brokers, _, err := admin.DescribeCluster()
		if err != nil {
			contract.AddError("describe cluster: " + err.Error())
		}
		for _, b := range brokers {
			contract.SeeBroker(b.Addr())
		}
		// Not admin.Close(): that would close the shared client too.
	}
}

type meta struct{ txn int }

// produce sends the records and returns how many were acknowledged (for a transactional
// producer: acknowledged and in a committed transaction).
func produce(o options) int {
	client, err := sarama.NewClient(strings.Split(o.Bootstrap, ","), producerConfig(o))
	if err != nil {
		contract.Die(err)
	}
	defer client.Close()
	p, err := sarama.NewAsyncProducerFromClient(client)
	if err != nil {
		contract.Die(err)
	}
	acks := contract.NewAcks(o.Options)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for m := range p.Successes() {
			acks.Ok(m.Metadata.(meta).txn)
		}
	}()
	go func() {
		defer wg.Done()
		for e := range p.Errors() {
			contract.AddError(e.Err.Error())
		}
	}()

	send := func(key, value string, txn int) {
		p.Input() <- &sarama.ProducerMessage{Topic: o.Topic, Key: sarama.StringEncoder(key),
			Value: sarama.StringEncoder(value), Metadata: meta{txn}}
	}
	commit := func() bool {
		if err := p.CommitTxn(); err != nil {
			contract.AddError("commit: " + err.Error())
			if p.TxnStatus()&sarama.ProducerTxnFlagAbortableError != 0 {
				if err := p.AbortTxn(); err != nil {
					contract.AddError("abort: " + err.Error())
				}
			}
			return false
		}
		return true
	}
	acks.Produce(o.Options, send, p.BeginTxn, commit)
	// AsyncClose flushes, then closes Successes and Errors once every message is reported.
	p.AsyncClose()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(150 * time.Second):
		contract.AddError("delivery reports still missing after 150 s")
	}
	recordBrokers(client, o)
	return acks.Total()
}

type handler struct {
	tally  *contract.Tally
	cancel context.CancelFunc
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		ours, all := h.tally.Add(m.Key, m.Partition)
		if !ours {
			continue
		}
		sess.MarkMessage(m, "")
		if all {
			h.cancel()
		}
	}
	return nil
}

func consume(o options) contract.Counts {
	c := baseConfig(o)
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Return.Errors = true
	if o.TxnID != "" {
		c.Consumer.IsolationLevel = sarama.ReadCommitted
	}
	client, err := sarama.NewClient(strings.Split(o.Bootstrap, ","), c)
	if err != nil {
		contract.Die(err)
	}
	defer client.Close()
	group, err := sarama.NewConsumerGroupFromClient(o.Group, client)
	if err != nil {
		contract.Die(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := &handler{tally: contract.NewTally(o.Options), cancel: cancel}
	go func() {
		for err := range group.Errors() {
			if !errors.Is(err, context.Canceled) {
				contract.AddError(err.Error())
			}
		}
	}()
	for ctx.Err() == nil {
		if err := group.Consume(ctx, []string{o.Topic}, h); err != nil {
			if errors.Is(err, sarama.ErrClosedConsumerGroup) {
				break
			}
			contract.AddError("consume: " + err.Error())
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	if err := group.Close(); err != nil {
		contract.AddError("group close: " + err.Error())
	}
	r := h.tally.Counts()
	recordBrokers(client, o)
	return r
}

func main() {
	o := parseArgs()
	if os.Getenv("SARAMA_DEBUG") != "" {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.LstdFlags|log.Lmicroseconds)
	}
	acked := produce(o)
	var c contract.Counts
	if o.Consume {
		c = consume(o)
	}
	contract.PrintSummary("sarama", contract.ModuleVersion("github.com/IBM/sarama"), o.version.String(), o.Options, acked, c)
}
