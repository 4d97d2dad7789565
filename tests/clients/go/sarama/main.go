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
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

const maxErrors = 8

type options struct {
	bootstrap, topic, prefix, acks, compression, group, txnID, allowed, kafkaVersion string
	count, maxInFlight, lingerMs, rate, retries                                      int
	idempotent, consume, admin                                                       bool
	version                                                                          sarama.KafkaVersion
}

type summary struct {
	Client          string   `json:"client"`
	Version         string   `json:"version"`
	KafkaVersion    string   `json:"kafka_version"`
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

func seeBroker(a string) {
	st.mu.Lock()
	st.brokersSeen[a] = true
	st.mu.Unlock()
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

// watchDialer is sarama's Net.Proxy.Dialer: a plain dialer (sarama's default timeouts) that
// records every connection and refuses ports outside --allowed-ports.
type watchDialer struct {
	d       net.Dialer
	allowed string
}

func (w *watchDialer) Dial(network, address string) (net.Conn, error) {
	_, p, _ := net.SplitHostPort(address)
	port, _ := strconv.Atoi(p)
	if !portAllowed(w.allowed, port) {
		st.mu.Lock()
		st.refused++
		st.connectFailed[address] = true
		st.mu.Unlock()
		fmt.Fprintf(os.Stderr, "sarama: refused a direct connection to %s\n", address)
		return nil, fmt.Errorf("kchaos test: connection to %s refused (port not allowed)", address)
	}
	c, err := w.d.Dial(network, address)
	st.mu.Lock()
	if err == nil {
		st.connectedTo[address] = true
	} else {
		st.connectFailed[address] = true
	}
	st.mu.Unlock()
	return c, err
}

func usage(msg string) {
	if msg != "" {
		fmt.Fprintf(os.Stderr, "sarama: %s\n", msg)
	}
	fmt.Fprintln(os.Stderr, "usage: sarama --bootstrap B --topic T --prefix P [--count N] [--acks all|1|0] "+
		"[--idempotent] [--compression none|gzip|snappy|lz4|zstd] [--max-in-flight K] [--linger-ms MS] "+
		"[--rate N] [--consume] [--group G] [--transactional-id ID] [--kafka-version X.Y.Z] "+
		"[--allowed-ports LIST] [--admin] [--retries N]")
	os.Exit(2)
}

func parseArgs() options {
	o := options{}
	fs := flag.NewFlagSet("sarama", flag.ContinueOnError)
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
	fs.StringVar(&o.kafkaVersion, "kafka-version", sarama.MaxVersion.String(), "")
	fs.StringVar(&o.allowed, "allowed-ports", "", "")
	fs.BoolVar(&o.admin, "admin", false, "")
	fs.IntVar(&o.retries, "retries", -1, "")
	if err := fs.Parse(os.Args[1:]); err != nil || fs.NArg() > 0 {
		usage("")
	}
	if o.bootstrap == "" || o.topic == "" || o.prefix == "" {
		usage("--bootstrap, --topic and --prefix are required")
	}
	if o.group == "" {
		o.group = o.prefix + "-group"
	}
	v, err := sarama.ParseKafkaVersion(o.kafkaVersion)
	if err != nil {
		usage("--kafka-version: " + err.Error())
	}
	o.version = v
	return o
}

func baseConfig(o options) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = "kchaos-test-sarama"
	c.Version = o.version
	c.Net.Proxy.Enable = true
	c.Net.Proxy.Dialer = &watchDialer{d: net.Dialer{Timeout: c.Net.DialTimeout, KeepAlive: c.Net.KeepAlive}, allowed: o.allowed}
	return c
}

func producerConfig(o options) *sarama.Config {
	c := baseConfig(o)
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	switch o.acks {
	case "":
	case "all", "-1":
		c.Producer.RequiredAcks = sarama.WaitForAll
	case "1":
		c.Producer.RequiredAcks = sarama.WaitForLocal
	case "0":
		c.Producer.RequiredAcks = sarama.NoResponse
	default:
		usage("--acks must be all, 1 or 0")
	}
	if o.idempotent || o.txnID != "" {
		if o.acks != "" && c.Producer.RequiredAcks != sarama.WaitForAll {
			usage("sarama's idempotent/transactional producer needs --acks all")
		}
		if o.maxInFlight > 1 {
			usage("sarama's idempotent producer allows one request in flight (--max-in-flight 1)")
		}
		c.Producer.Idempotent = true
		c.Producer.RequiredAcks = sarama.WaitForAll
		c.Net.MaxOpenRequests = 1
	}
	if o.txnID != "" {
		c.Producer.Transaction.ID = o.txnID
	}
	switch o.compression {
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
		usage("unknown --compression " + o.compression)
	}
	if o.maxInFlight >= 0 {
		if o.maxInFlight < 1 {
			usage("--max-in-flight must be at least 1")
		}
		c.Net.MaxOpenRequests = o.maxInFlight
	}
	if o.lingerMs >= 0 {
		c.Producer.Flush.Frequency = time.Duration(o.lingerMs) * time.Millisecond
	}
	if o.retries >= 0 {
		c.Producer.Retry.Max = o.retries
	}
	if err := c.Validate(); err != nil {
		usage("sarama cannot: " + err.Error())
	}
	return c
}

// recordBrokers refreshes the topic's metadata and notes every broker the client knows; with
// --admin also the brokers of ClusterAdmin.DescribeCluster().
func recordBrokers(client sarama.Client, o options) {
	if err := client.RefreshMetadata(o.topic); err != nil {
		addError("metadata: " + err.Error())
	}
	for _, b := range client.Brokers() {
		seeBroker(b.Addr())
	}
	if o.admin {
		admin, err := sarama.NewClusterAdminFromClient(client)
		if err != nil {
			addError("admin: " + err.Error())
			return
		}
		brokers, _, err := admin.DescribeCluster()
		if err != nil {
			addError("describe cluster: " + err.Error())
		}
		for _, b := range brokers {
			seeBroker(b.Addr())
		}
		// Not admin.Close(): that would close the shared client too.
	}
}

type meta struct{ txn int }

// produce sends the records and returns how many were acknowledged (for a transactional
// producer: acknowledged and in a committed transaction).
func produce(o options) int {
	client, err := sarama.NewClient(strings.Split(o.bootstrap, ","), producerConfig(o))
	if err != nil {
		fmt.Fprintf(os.Stderr, "sarama: %v\n", err)
		os.Exit(1)
	}
	defer client.Close()
	p, err := sarama.NewAsyncProducerFromClient(client)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sarama: %v\n", err)
		os.Exit(1)
	}
	txn := o.txnID != ""
	ntxn := (o.count + 99) / 100
	var mu sync.Mutex
	okIn := make([]int, ntxn+1) // successes per transaction (index 0 when not transactional)
	committed := make([]bool, ntxn+1)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for m := range p.Successes() {
			mu.Lock()
			okIn[m.Metadata.(meta).txn]++
			mu.Unlock()
		}
	}()
	go func() {
		defer wg.Done()
		for e := range p.Errors() {
			addError(e.Err.Error())
		}
	}()

	endTxn := func(k int) {
		if err := p.CommitTxn(); err != nil {
			addError("commit: " + err.Error())
			if p.TxnStatus()&sarama.ProducerTxnFlagAbortableError != 0 {
				if err := p.AbortTxn(); err != nil {
					addError("abort: " + err.Error())
				}
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
				if err := p.BeginTxn(); err != nil {
					addError("begin: " + err.Error())
				}
			}
		}
		key := fmt.Sprintf("%s-%d", o.prefix, i)
		p.Input() <- &sarama.ProducerMessage{Topic: o.topic, Key: sarama.StringEncoder(key),
			Value: sarama.StringEncoder(key + "-v"), Metadata: meta{k}}
		if txn && (i%100 == 99 || i == o.count-1) {
			endTxn(k)
		}
	}
	// AsyncClose flushes, then closes Successes and Errors once every message is reported.
	p.AsyncClose()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(150 * time.Second):
		addError("delivery reports still missing after 150 s")
	}
	recordBrokers(client, o)
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

type handler struct {
	o        options
	mu       sync.Mutex
	seen     []int
	last     map[int32]int
	distinct int
	r        consumeResult
	cancel   context.CancelFunc
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	pfx := h.o.prefix + "-"
	for m := range claim.Messages() {
		k := string(m.Key)
		if !strings.HasPrefix(k, pfx) {
			continue
		}
		i, err := strconv.Atoi(k[len(pfx):])
		if err != nil {
			continue
		}
		h.mu.Lock()
		h.r.consumed++
		if i >= 0 && i < h.o.count {
			if h.seen[i]++; h.seen[i] > 1 {
				h.r.dups++
			} else {
				h.distinct++
			}
			if l, ok := h.last[m.Partition]; ok && i < l {
				h.r.ooo++
			}
			h.last[m.Partition] = i
		}
		all := h.distinct >= h.o.count
		h.mu.Unlock()
		sess.MarkMessage(m, "")
		if all {
			h.cancel()
		}
	}
	return nil
}

func consume(o options) consumeResult {
	c := baseConfig(o)
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Return.Errors = true
	if o.txnID != "" {
		c.Consumer.IsolationLevel = sarama.ReadCommitted
	}
	client, err := sarama.NewClient(strings.Split(o.bootstrap, ","), c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sarama: %v\n", err)
		os.Exit(1)
	}
	defer client.Close()
	group, err := sarama.NewConsumerGroupFromClient(o.group, client)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sarama: %v\n", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := &handler{o: o, seen: make([]int, o.count), last: map[int32]int{}, cancel: cancel}
	go func() {
		for err := range group.Errors() {
			if !errors.Is(err, context.Canceled) {
				addError(err.Error())
			}
		}
	}()
	for ctx.Err() == nil {
		if err := group.Consume(ctx, []string{o.topic}, h); err != nil {
			if errors.Is(err, sarama.ErrClosedConsumerGroup) {
				break
			}
			addError("consume: " + err.Error())
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	if err := group.Close(); err != nil {
		addError("group close: " + err.Error())
	}
	h.mu.Lock()
	r := h.r
	for _, n := range h.seen {
		if n == 0 {
			r.missing++
		}
	}
	h.mu.Unlock()
	recordBrokers(client, o)
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
	if os.Getenv("SARAMA_DEBUG") != "" {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.LstdFlags|log.Lmicroseconds)
	}
	acked := produce(o)
	var r consumeResult
	if o.consume {
		r = consume(o)
	}
	st.mu.Lock()
	s := summary{
		Client: "sarama", Version: strings.TrimPrefix(moduleVersion("github.com/IBM/sarama"), "v"),
		KafkaVersion: o.version.String(),
		Produced:     o.count, Acked: acked, Errors: append([]string{}, st.errors...),
		Consumed: r.consumed, Duplicates: r.dups, Missing: r.missing, OutOfOrder: r.ooo,
		RefusedConnects: st.refused, BrokersSeen: sorted(st.brokersSeen),
		ConnectedTo: sorted(st.connectedTo), ConnectFailed: sorted(st.connectFailed),
	}
	st.mu.Unlock()
	out, _ := json.Marshal(s)
	fmt.Println(string(out))
}
