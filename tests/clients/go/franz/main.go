// franz: the test-client contract (tests/clients/README.md) for franz-go
// (github.com/twmb/franz-go), the Go client that speaks the newest protocol versions
// (Produce v13 with topic ids, Metadata v13, KIP-951 leader hints acted on).
//
// Producer defaults are franz-go's own: idempotent writes, acks=all, snappy-or-none
// compression, one produce request in flight per broker.
//
// Extras beyond the contract:
//   - "connected_to": every broker address the client opened a connection to (the
//     OnBrokerConnect hook), "connect_failed": every address a connection attempt failed to.
//   - --allowed-ports LIST (e.g. "19092,19101-19103"): the dialer refuses any other port and
//     counts it as "refused_connects", so a client that learned a real broker address fails
//     loudly instead of quietly going around kchaos (as rdkafka_client does).
//   - --admin: also sends DescribeCluster and adds its brokers to brokers_seen.
//   - TLS and SASL (contract.Options): --ssl-ca/--ssl-cert/--ssl-key wrap each dialed
//     connection in Go's TLS (the dialer's, since kgo.DialTLSConfig excludes kgo.Dialer; the
//     host name verified); --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 with
//     --sasl-user/--sasl-password is kgo.SASL with franz-go's plain or scram mechanism.
//
// FRANZ_LOG=error|warn|info|debug in the environment turns on franz-go's own log (stderr).
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"kchaos/tests/clients/go/contract"
)

type options = contract.Options

func addr(host string, port int32) string { return net.JoinHostPort(host, strconv.Itoa(int(port))) }

// connectHook records every connection attempt; a broker with a non-negative node id was
// learned from metadata (seeds get very negative ids), so its address is one "seen" too.
type connectHook struct{}

func (connectHook) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	a := addr(meta.Host, meta.Port)
	contract.Connected(a, err)
	if meta.NodeID >= 0 {
		contract.SeeBroker(a)
	}
}

func dialer(o options) func(ctx context.Context, network, host string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	tlsCfg := o.TLSConfig()
	return func(ctx context.Context, network, host string) (net.Conn, error) {
		if err := o.Refuse(host); err != nil {
			return nil, err
		}
		c, err := d.DialContext(ctx, network, host)
		if err != nil || tlsCfg == nil {
			return c, err
		}
		cfg := tlsCfg.Clone()
		cfg.ServerName, _, _ = net.SplitHostPort(host)
		t := tls.Client(c, cfg)
		if err := t.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return t, nil
	}
}

// saslMechanism is --sasl-mechanism's franz-go mechanism, or nil without it.
func saslMechanism(o options) sasl.Mechanism {
	switch o.SASLMechanism {
	case "":
		return nil
	case "PLAIN":
		return plain.Auth{User: o.SASLUser, Pass: o.SASLPassword}.AsMechanism()
	case "SCRAM-SHA-256":
		return scram.Auth{User: o.SASLUser, Pass: o.SASLPassword}.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		return scram.Auth{User: o.SASLUser, Pass: o.SASLPassword}.AsSha512Mechanism()
	}
	contract.Usage("unknown --sasl-mechanism " + o.SASLMechanism)
	return nil
}

func baseOpts(o options) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(o.Bootstrap, ",")...),
		kgo.ClientID("kchaos-test-franz"),
		kgo.WithHooks(connectHook{}),
		kgo.Dialer(dialer(o)),
	}
	if m := saslMechanism(o); m != nil {
		opts = append(opts, kgo.SASL(m))
	}
	// FRANZ_LOG=error|warn|info|debug: franz-go's own log on stderr (default: none).
	levels := map[string]kgo.LogLevel{"error": kgo.LogLevelError, "warn": kgo.LogLevelWarn,
		"info": kgo.LogLevelInfo, "debug": kgo.LogLevelDebug}
	if l, ok := levels[os.Getenv("FRANZ_LOG")]; ok {
		opts = append(opts, kgo.WithLogger(kgo.BasicLogger(os.Stderr, l, nil)))
	}
	return opts
}

func producerOpts(o options) []kgo.Opt {
	opts := baseOpts(o)
	if o.Acks != "" {
		switch o.Acks {
		case "all", "-1":
			opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
		case "1", "0":
			if o.Idempotent || o.TxnID != "" {
				contract.Usage("franz-go's idempotent/transactional producer needs --acks all")
			}
			if o.Acks == "1" {
				opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
			} else {
				opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
			}
			// franz-go produces idempotently by default, which requires acks=all.
			opts = append(opts, kgo.DisableIdempotentWrite())
		default:
			contract.Usage("--acks must be all, 1 or 0")
		}
	}
	if o.Compression != "" {
		var c kgo.CompressionCodec
		switch o.Compression {
		case "none":
			c = kgo.NoCompression()
		case "gzip":
			c = kgo.GzipCompression()
		case "snappy":
			c = kgo.SnappyCompression()
		case "lz4":
			c = kgo.Lz4Compression()
		case "zstd":
			c = kgo.ZstdCompression()
		default:
			contract.Usage("unknown --compression " + o.Compression)
		}
		opts = append(opts, kgo.ProducerBatchCompression(c))
	}
	if o.MaxInFlight >= 0 {
		if o.MaxInFlight < 1 {
			contract.Usage("--max-in-flight must be at least 1")
		}
		// Only takes effect without idempotency (franz-go then caps it at 5 itself).
		opts = append(opts, kgo.MaxProduceRequestsInflightPerBroker(o.MaxInFlight))
	}
	if o.LingerMs >= 0 {
		opts = append(opts, kgo.ProducerLinger(time.Duration(o.LingerMs)*time.Millisecond))
	}
	if o.TxnID != "" {
		opts = append(opts, kgo.TransactionalID(o.TxnID))
	}
	return opts
}

// recordBrokers asks the client's (cached) metadata for the topic and notes every broker.
func recordBrokers(cl *kgo.Client, o options) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	t := kmsg.NewMetadataRequestTopic()
	t.Topic = kmsg.StringPtr(o.Topic)
	req.Topics = append(req.Topics, t)
	resp, err := cl.RequestCachedMetadata(ctx, req, 0)
	if err != nil {
		contract.AddError("metadata: " + err.Error())
		return
	}
	for _, b := range resp.Brokers {
		contract.SeeBroker(addr(b.Host, b.Port))
	}
	if o.Admin {
		dreq := kmsg.NewPtrDescribeClusterRequest()
		dresp, err := dreq.RequestWith(ctx, cl)
		if err != nil {
			contract.AddError("describe cluster: " + err.Error())
			return
		}
		if e := kerr.ErrorForCode(dresp.ErrorCode); e != nil {
			contract.AddError("describe cluster: " + e.Error())
		}
		for _, b := range dresp.Brokers {
			contract.SeeBroker(addr(b.Host, b.Port))
		}
	}
}

// produce sends the records and returns how many were acknowledged (for a transactional
// producer: acknowledged and in a committed transaction).
func produce(o options) int {
	cl, err := kgo.NewClient(producerOpts(o)...)
	if err != nil {
		contract.Die(err)
	}
	// Bound the whole run: franz-go retries retriable errors forever by default.
	budget := 120 * time.Second
	if o.Rate > 0 {
		budget += time.Duration(float64(o.Count) / float64(o.Rate) * float64(time.Second))
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()

	acks := contract.NewAcks(o)
	var wg sync.WaitGroup
	send := func(key, value string, txn int) {
		rec := &kgo.Record{Topic: o.Topic, Key: []byte(key), Value: []byte(value)}
		wg.Add(1)
		cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				contract.AddError(err.Error())
				return
			}
			acks.Ok(txn)
		})
	}
	commit := func() bool {
		if err := cl.Flush(ctx); err != nil {
			contract.AddError("flush: " + err.Error())
		}
		if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
			contract.AddError("commit: " + err.Error())
			if err := cl.AbortBufferedRecords(ctx); err != nil {
				contract.AddError("abort buffered: " + err.Error())
			}
			if err := cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
				contract.AddError("abort: " + err.Error())
			}
			return false
		}
		return true
	}
	acks.Produce(o, send, cl.BeginTransaction, commit)
	if err := cl.Flush(ctx); err != nil {
		contract.AddError("flush: " + err.Error())
	}
	recordBrokers(cl, o)
	cl.Close() // fails whatever is still buffered, so every promise runs
	wg.Wait()
	return acks.Total()
}

func consume(o options) contract.Counts {
	opts := append(baseOpts(o),
		kgo.ConsumerGroup(o.Group),
		kgo.ConsumeTopics(o.Topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if o.TxnID != "" {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		contract.Die(err)
	}
	tally := contract.NewTally(o)
	deadline := time.Now().Add(60 * time.Second)
	for !tally.Complete() && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fetches := cl.PollFetches(ctx)
		cancel()
		fetches.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				contract.AddError(err.Error())
			}
		})
		fetches.EachRecord(func(rec *kgo.Record) { tally.Add(rec.Key, rec.Partition) })
	}
	recordBrokers(cl, o)
	cl.Close() // leaves the group
	return tally.Counts()
}

func main() {
	o := contract.Parse("franz", "[--allowed-ports LIST] [--admin]", nil)
	acked := produce(o)
	var c contract.Counts
	if o.Consume {
		c = consume(o)
	}
	contract.PrintSummary("franz-go", contract.ModuleVersion("github.com/twmb/franz-go"), "", o, acked, c)
}
