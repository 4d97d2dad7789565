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
//
// FRANZ_LOG=error|warn|info|debug in the environment turns on franz-go's own log (stderr).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const maxErrors = 8

type options struct {
	bootstrap, topic, prefix, acks, compression, group, txnID, allowed string
	count, maxInFlight, lingerMs, rate                                 int
	idempotent, consume, admin                                         bool
}

type summary struct {
	Client          string   `json:"client"`
	Version         string   `json:"version"`
	Produced        int      `json:"produced"`
	Acked           int      `json:"acked"`
	Errors          []string `json:"errors"`
	Consumed        int      `json:"consumed"`
	Duplicates      int      `json:"duplicates"`
	Missing         int      `json:"missing"`
	OutOfOrder      int      `json:"out_of_order"`
	RefusedConnects int      `json:"refused_connects"`
	BrokersSeen     []string `json:"brokers_seen"`
	ConnectedTo     []string `json:"connected_to"`
	ConnectFailed   []string `json:"connect_failed"`
}

// state is shared by callbacks running on franz-go's goroutines.
type state struct {
	mu            sync.Mutex
	errors        []string
	brokersSeen   map[string]bool
	connectedTo   map[string]bool
	connectFailed map[string]bool
	refused       int
}

var st = state{brokersSeen: map[string]bool{}, connectedTo: map[string]bool{}, connectFailed: map[string]bool{}}

func addError(e string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, x := range st.errors {
		if x == e {
			return
		}
	}
	if len(st.errors) < maxErrors {
		st.errors = append(st.errors, e)
	}
}

func addr(host string, port int32) string { return net.JoinHostPort(host, strconv.Itoa(int(port))) }

func seeBroker(a string) {
	st.mu.Lock()
	st.brokersSeen[a] = true
	st.mu.Unlock()
}

// connectHook records every connection attempt; a broker with a non-negative node id was
// learned from metadata (seeds get very negative ids), so its address is one "seen" too.
type connectHook struct{}

func (connectHook) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	a := addr(meta.Host, meta.Port)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err == nil {
		st.connectedTo[a] = true
	} else {
		st.connectFailed[a] = true
	}
	if meta.NodeID >= 0 {
		st.brokersSeen[a] = true
	}
}

func portAllowed(list string, port int) bool {
	if list == "" {
		return true
	}
	for _, t := range strings.Split(list, ",") {
		lo, hi, found := strings.Cut(strings.TrimSpace(t), "-")
		l, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		h := l
		if found {
			if h, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		if port >= l && port <= h {
			return true
		}
	}
	return false
}

func dialer(allowed string) func(ctx context.Context, network, host string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	return func(ctx context.Context, network, host string) (net.Conn, error) {
		_, p, _ := net.SplitHostPort(host)
		port, _ := strconv.Atoi(p)
		if !portAllowed(allowed, port) {
			st.mu.Lock()
			st.refused++
			st.mu.Unlock()
			fmt.Fprintf(os.Stderr, "franz: refused a direct connection to %s\n", host)
			return nil, fmt.Errorf("kchaos test: connection to %s refused (port not allowed)", host)
		}
		return d.DialContext(ctx, network, host)
	}
}

func usage(msg string) {
	if msg != "" {
		fmt.Fprintf(os.Stderr, "franz: %s\n", msg)
	}
	fmt.Fprintln(os.Stderr, "usage: franz --bootstrap B --topic T --prefix P [--count N] [--acks all|1|0] "+
		"[--idempotent] [--compression none|gzip|snappy|lz4|zstd] [--max-in-flight K] [--linger-ms MS] "+
		"[--rate N] [--consume] [--group G] [--transactional-id ID] [--allowed-ports LIST] [--admin]")
	os.Exit(2)
}

func parseArgs() options {
	o := options{}
	fs := flag.NewFlagSet("franz", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {}
	fs.StringVar(&o.bootstrap, "bootstrap", "", "")
	fs.StringVar(&o.topic, "topic", "", "")
	fs.StringVar(&o.prefix, "prefix", "", "")
	fs.IntVar(&o.count, "count", 100, "")
	fs.StringVar(&o.acks, "acks", "", "")
	fs.BoolVar(&o.idempotent, "idempotent", false, "")
	fs.StringVar(&o.compression, "compression", "", "")
	fs.IntVar(&o.maxInFlight, "max-in-flight", -1, "")
	fs.IntVar(&o.lingerMs, "linger-ms", -1, "")
	fs.IntVar(&o.rate, "rate", 0, "")
	fs.BoolVar(&o.consume, "consume", false, "")
	fs.StringVar(&o.group, "group", "", "")
	fs.StringVar(&o.txnID, "transactional-id", "", "")
	fs.StringVar(&o.allowed, "allowed-ports", "", "")
	fs.BoolVar(&o.admin, "admin", false, "")
	if err := fs.Parse(os.Args[1:]); err != nil || fs.NArg() > 0 {
		usage("")
	}
	if o.bootstrap == "" || o.topic == "" || o.prefix == "" {
		usage("--bootstrap, --topic and --prefix are required")
	}
	if o.group == "" {
		o.group = o.prefix + "-group"
	}
	return o
}

func baseOpts(o options) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...),
		kgo.ClientID("kchaos-test-franz"),
		kgo.WithHooks(connectHook{}),
		kgo.Dialer(dialer(o.allowed)),
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
	if o.acks != "" {
		switch o.acks {
		case "all", "-1":
			opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
		case "1", "0":
			if o.idempotent || o.txnID != "" {
				usage("franz-go's idempotent/transactional producer needs --acks all")
			}
			if o.acks == "1" {
				opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
			} else {
				opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
			}
			// franz-go produces idempotently by default, which requires acks=all.
			opts = append(opts, kgo.DisableIdempotentWrite())
		default:
			usage("--acks must be all, 1 or 0")
		}
	}
	if o.compression != "" {
		var c kgo.CompressionCodec
		switch o.compression {
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
			usage("unknown --compression " + o.compression)
		}
		opts = append(opts, kgo.ProducerBatchCompression(c))
	}
	if o.maxInFlight >= 0 {
		if o.maxInFlight < 1 {
			usage("--max-in-flight must be at least 1")
		}
		// Only takes effect without idempotency (franz-go then caps it at 5 itself).
		opts = append(opts, kgo.MaxProduceRequestsInflightPerBroker(o.maxInFlight))
	}
	if o.lingerMs >= 0 {
		opts = append(opts, kgo.ProducerLinger(time.Duration(o.lingerMs)*time.Millisecond))
	}
	if o.txnID != "" {
		opts = append(opts, kgo.TransactionalID(o.txnID))
	}
	return opts
}

// recordBrokers asks the client's (cached) metadata for the topic and notes every broker.
func recordBrokers(cl *kgo.Client, o options) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	t := kmsg.NewMetadataRequestTopic()
	t.Topic = kmsg.StringPtr(o.topic)
	req.Topics = append(req.Topics, t)
	resp, err := cl.RequestCachedMetadata(ctx, req, 0)
	if err != nil {
		addError("metadata: " + err.Error())
		return
	}
	for _, b := range resp.Brokers {
		seeBroker(addr(b.Host, b.Port))
	}
	if o.admin {
		dreq := kmsg.NewPtrDescribeClusterRequest()
		dresp, err := dreq.RequestWith(ctx, cl)
		if err != nil {
			addError("describe cluster: " + err.Error())
			return
		}
		if e := kerr.ErrorForCode(dresp.ErrorCode); e != nil {
			addError("describe cluster: " + e.Error())
		}
		for _, b := range dresp.Brokers {
			seeBroker(addr(b.Host, b.Port))
		}
	}
}

// produce sends the records and returns how many were acknowledged (for a transactional
// producer: acknowledged and in a committed transaction).
func produce(o options) int {
	cl, err := kgo.NewClient(producerOpts(o)...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "franz: %v\n", err)
		os.Exit(1)
	}
	// Bound the whole run: franz-go retries retriable errors forever by default.
	budget := 120 * time.Second
	if o.rate > 0 {
		budget += time.Duration(float64(o.count) / float64(o.rate) * float64(time.Second))
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()

	txn := o.txnID != ""
	ntxn := (o.count + 99) / 100
	var mu sync.Mutex
	okIn := make([]int, ntxn+1) // successes per transaction (index 0 when not transactional)
	committed := make([]bool, ntxn+1)
	var wg sync.WaitGroup

	endTxn := func(k int) {
		if err := cl.Flush(ctx); err != nil {
			addError("flush: " + err.Error())
		}
		if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
			addError("commit: " + err.Error())
			if err := cl.AbortBufferedRecords(ctx); err != nil {
				addError("abort buffered: " + err.Error())
			}
			if err := cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
				addError("abort: " + err.Error())
			}
			return
		}
		committed[k] = true
	}

	start := time.Now()
	for i := 0; i < o.count; i++ {
		if o.rate > 0 { // hold record i until i/rate seconds after the start
			if ahead := time.Duration(float64(i)/float64(o.rate)*float64(time.Second)) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		k := 0
		if txn {
			k = i/100 + 1
			if i%100 == 0 {
				if err := cl.BeginTransaction(); err != nil {
					addError("begin: " + err.Error())
				}
			}
		}
		key := fmt.Sprintf("%s-%d", o.prefix, i)
		rec := &kgo.Record{Topic: o.topic, Key: []byte(key), Value: []byte(key + "-v")}
		wg.Add(1)
		cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				addError(err.Error())
				return
			}
			mu.Lock()
			okIn[k]++
			mu.Unlock()
		})
		if txn && (i%100 == 99 || i == o.count-1) {
			endTxn(k)
		}
	}
	if err := cl.Flush(ctx); err != nil {
		addError("flush: " + err.Error())
	}
	recordBrokers(cl, o)
	cl.Close() // fails whatever is still buffered, so every promise runs
	wg.Wait()
	if !txn {
		return okIn[0]
	}
	acked := 0
	for k := 1; k <= ntxn; k++ {
		if committed[k] {
			acked += okIn[k]
		}
	}
	return acked
}

type consumeResult struct{ consumed, dups, missing, ooo int }

func consume(o options) consumeResult {
	opts := append(baseOpts(o),
		kgo.ConsumerGroup(o.group),
		kgo.ConsumeTopics(o.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if o.txnID != "" {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "franz: %v\n", err)
		os.Exit(1)
	}
	var r consumeResult
	seen := make([]int, o.count)
	last := map[int32]int{}
	distinct := 0
	deadline := time.Now().Add(60 * time.Second)
	pfx := []byte(o.prefix + "-")
	for distinct < o.count && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fetches := cl.PollFetches(ctx)
		cancel()
		fetches.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				addError(err.Error())
			}
		})
		fetches.EachRecord(func(rec *kgo.Record) {
			if len(rec.Key) <= len(pfx) || string(rec.Key[:len(pfx)]) != string(pfx) {
				return
			}
			i, err := strconv.Atoi(string(rec.Key[len(pfx):]))
			if err != nil {
				return
			}
			r.consumed++
			if i < 0 || i >= o.count {
				return
			}
			if seen[i]++; seen[i] > 1 {
				r.dups++
			} else {
				distinct++
			}
			if l, ok := last[rec.Partition]; ok && i < l {
				r.ooo++
			}
			last[rec.Partition] = i
		})
	}
	for _, n := range seen {
		if n == 0 {
			r.missing++
		}
	}
	recordBrokers(cl, o)
	cl.Close() // leaves the group
	return r
}

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "unknown"
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func main() {
	o := parseArgs()
	acked := produce(o)
	var r consumeResult
	if o.consume {
		r = consume(o)
	}
	st.mu.Lock()
	s := summary{
		Client: "franz-go", Version: strings.TrimPrefix(moduleVersion("github.com/twmb/franz-go"), "v"),
		Produced: o.count, Acked: acked, Errors: append([]string{}, st.errors...),
		Consumed: r.consumed, Duplicates: r.dups, Missing: r.missing, OutOfOrder: r.ooo,
		RefusedConnects: st.refused, BrokersSeen: sorted(st.brokersSeen),
		ConnectedTo: sorted(st.connectedTo), ConnectFailed: sorted(st.connectFailed),
	}
	st.mu.Unlock()
	out, _ := json.Marshal(s)
	fmt.Println(string(out))
}
