// Package contract is what the Go test clients (franz, sarama) share of the test-client
// contract (tests/clients/README.md): the command line, the summary line, the produce loop
// (--rate pacing, transactions of 100, what counts as acked), the consumer's bookkeeping
// (duplicates, missing, out_of_order) and the --allowed-ports guard. Each client keeps only
// what is its library's.
package contract

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
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
)

const maxErrors = 8

// Options is the contract's command line, with the extras both Go clients take:
// --allowed-ports LIST, --admin, and TLS and SASL as rdkafka_client takes them: --ssl-ca FILE
// (verify the broker, host name included), --ssl-cert FILE --ssl-key FILE (a client
// certificate), --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 --sasl-user U
// --sasl-password P.
type Options struct {
	Bootstrap, Topic, Prefix, Acks, Compression, Group, TxnID, Allowed string
	SSLCA, SSLCert, SSLKey, SASLMechanism, SASLUser, SASLPassword      string
	Count, MaxInFlight, LingerMs, Rate                                 int
	Idempotent, Consume, Admin                                         bool
}

// TLSConfig is the TLS the options ask for (--ssl-ca, --ssl-cert, --ssl-key), or nil for
// none. Go's TLS verifies the host name (an IP address against the IP SANs).
func (o Options) TLSConfig() *tls.Config {
	if o.SSLCA == "" && o.SSLCert == "" && o.SSLKey == "" {
		return nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.SSLCA != "" {
		pem, err := os.ReadFile(o.SSLCA)
		if err != nil {
			Die(err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			Die(fmt.Errorf("no certificate in %s", o.SSLCA))
		}
	}
	if o.SSLCert != "" || o.SSLKey != "" {
		cert, err := tls.LoadX509KeyPair(o.SSLCert, o.SSLKey)
		if err != nil {
			Die(err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c
}

// name is the client's, for what it says on stderr (set by Parse).
var name = "client"
var usageTail string

// Usage says msg (if any) and the usage line on stderr, and exits 2.
func Usage(msg string) {
	if msg != "" {
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, msg)
	}
	fmt.Fprintln(os.Stderr, "usage: "+name+" --bootstrap B --topic T --prefix P [--count N] [--acks all|1|0] "+
		"[--idempotent] [--compression none|gzip|snappy|lz4|zstd] [--max-in-flight K] [--linger-ms MS] "+
		"[--rate N] [--consume] [--group G] [--transactional-id ID] [--ssl-ca FILE] [--ssl-cert FILE] "+
		"[--ssl-key FILE] [--sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512] [--sasl-user U] "+
		"[--sasl-password P] "+usageTail)
	os.Exit(2)
}

// Die says err on stderr and exits 1 (the client could not run at all).
func Die(err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}

// Parse reads os.Args: the contract's options, --allowed-ports, --admin, and whatever extra
// registers. tail is the usage line's end: every option after --transactional-id, in the
// client's order (--allowed-ports and --admin among them). --group defaults to P-group.
func Parse(client, tail string, extra func(fs *flag.FlagSet)) Options {
	name, usageTail = client, tail
	o := Options{}
	fs := flag.NewFlagSet(client, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {}
	fs.StringVar(&o.Bootstrap, "bootstrap", "", "")
	fs.StringVar(&o.Topic, "topic", "", "")
	fs.StringVar(&o.Prefix, "prefix", "", "")
	fs.IntVar(&o.Count, "count", 100, "")
	fs.StringVar(&o.Acks, "acks", "", "")
	fs.BoolVar(&o.Idempotent, "idempotent", false, "")
	fs.StringVar(&o.Compression, "compression", "", "")
	fs.IntVar(&o.MaxInFlight, "max-in-flight", -1, "")
	fs.IntVar(&o.LingerMs, "linger-ms", -1, "")
	fs.IntVar(&o.Rate, "rate", 0, "")
	fs.BoolVar(&o.Consume, "consume", false, "")
	fs.StringVar(&o.Group, "group", "", "")
	fs.StringVar(&o.TxnID, "transactional-id", "", "")
	fs.StringVar(&o.Allowed, "allowed-ports", "", "")
	fs.BoolVar(&o.Admin, "admin", false, "")
	fs.StringVar(&o.SSLCA, "ssl-ca", "", "")
	fs.StringVar(&o.SSLCert, "ssl-cert", "", "")
	fs.StringVar(&o.SSLKey, "ssl-key", "", "")
	fs.StringVar(&o.SASLMechanism, "sasl-mechanism", "", "")
	fs.StringVar(&o.SASLUser, "sasl-user", "", "")
	fs.StringVar(&o.SASLPassword, "sasl-password", "", "")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(os.Args[1:]); err != nil || fs.NArg() > 0 {
		Usage("")
	}
	if o.Bootstrap == "" || o.Topic == "" || o.Prefix == "" {
		Usage("--bootstrap, --topic and --prefix are required")
	}
	if o.Group == "" {
		o.Group = o.Prefix + "-group"
	}
	return o
}

// ---- what the summary reports, shared by callbacks on the client library's goroutines ----

var st = struct {
	mu            sync.Mutex
	errors        []string
	brokersSeen   map[string]bool
	connectedTo   map[string]bool
	connectFailed map[string]bool
	refused       int
}{brokersSeen: map[string]bool{}, connectedTo: map[string]bool{}, connectFailed: map[string]bool{}}

// AddError notes a distinct delivery/consume error (the first 8).
func AddError(e string) {
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

// SeeBroker notes a broker address learned from metadata (brokers_seen).
func SeeBroker(a string) {
	st.mu.Lock()
	st.brokersSeen[a] = true
	st.mu.Unlock()
}

// Connected notes a connection attempt to a: opened (connected_to) or, err set, failed
// (connect_failed).
func Connected(a string, err error) {
	st.mu.Lock()
	if err == nil {
		st.connectedTo[a] = true
	} else {
		st.connectFailed[a] = true
	}
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

// Refuse is the dialers' guard: nil when hostport's port is in --allowed-ports (or none are
// given); otherwise the connection is counted (refused_connects), said on stderr and refused
// with the error returned.
func (o Options) Refuse(hostport string) error {
	_, p, _ := net.SplitHostPort(hostport)
	port, _ := strconv.Atoi(p)
	if portAllowed(o.Allowed, port) {
		return nil
	}
	st.mu.Lock()
	st.refused++
	st.mu.Unlock()
	fmt.Fprintf(os.Stderr, "%s: refused a direct connection to %s\n", name, hostport)
	return fmt.Errorf("kchaos test: connection to %s refused (port not allowed)", hostport)
}

// ---- producing ----

// Acks counts the deliveries reported successful, per transaction.
type Acks struct {
	mu        sync.Mutex
	txn       bool
	okIn      []int // successes per transaction (index 0 when not transactional)
	committed []bool
}

// NewAcks is the count for o's records (transactions of 100 with --transactional-id).
func NewAcks(o Options) *Acks {
	ntxn := (o.Count + 99) / 100
	return &Acks{txn: o.TxnID != "", okIn: make([]int, ntxn+1), committed: make([]bool, ntxn+1)}
}

// Ok notes a successful delivery of a record of transaction txn (Produce's send gets it).
func (a *Acks) Ok(txn int) {
	a.mu.Lock()
	a.okIn[txn]++
	a.mu.Unlock()
}

// Total is what was acknowledged: every success, or with transactions the successes of the
// committed ones. Call it once every delivery report has run.
func (a *Acks) Total() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.txn {
		return a.okIn[0]
	}
	acked := 0
	for k := 1; k < len(a.okIn); k++ {
		if a.committed[k] {
			acked += a.okIn[k]
		}
	}
	return acked
}

// Produce hands send the records in order, record i (key P-i, value P-i-v) no sooner than
// i/rate seconds after the start with --rate, with the transaction it belongs to (1, 2, ...;
// 0 without --transactional-id). With transactions of 100, begin runs before the first record
// of each and commit after the last (true: committed).
func (a *Acks) Produce(o Options, send func(key, value string, txn int), begin func() error, commit func() bool) {
	start := time.Now()
	for i := 0; i < o.Count; i++ {
		if o.Rate > 0 { // hold record i until i/rate seconds after the start
			if ahead := time.Duration(float64(i)/float64(o.Rate)*float64(time.Second)) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		k := 0
		if a.txn {
			k = i/100 + 1
			if i%100 == 0 {
				if err := begin(); err != nil {
					AddError("begin: " + err.Error())
				}
			}
		}
		key := fmt.Sprintf("%s-%d", o.Prefix, i)
		send(key, key+"-v", k)
		if a.txn && (i%100 == 99 || i == o.Count-1) {
			if commit() {
				a.committed[k] = true
			}
		}
	}
}

// ---- consuming ----

// Counts is what the consumer read back.
type Counts struct{ Consumed, Duplicates, Missing, OutOfOrder int }

// Tally is the consumer's bookkeeping; safe for concurrent use.
type Tally struct {
	mu       sync.Mutex
	pfx      string
	seen     []int
	last     map[int32]int
	distinct int
	c        Counts
}

func NewTally(o Options) *Tally {
	return &Tally{pfx: o.Prefix + "-", seen: make([]int, o.Count), last: map[int32]int{}}
}

// Add notes a record read from partition. ours: its key is P-<int> (only those count);
// complete: every key has now been seen.
func (t *Tally) Add(key []byte, partition int32) (ours, complete bool) {
	k := string(key)
	if !strings.HasPrefix(k, t.pfx) {
		return false, t.Complete()
	}
	i, err := strconv.Atoi(k[len(t.pfx):])
	if err != nil {
		return false, t.Complete()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.c.Consumed++
	if i >= 0 && i < len(t.seen) {
		if t.seen[i]++; t.seen[i] > 1 {
			t.c.Duplicates++
		} else {
			t.distinct++
		}
		if l, ok := t.last[partition]; ok && i < l {
			t.c.OutOfOrder++
		}
		t.last[partition] = i
	}
	return true, t.distinct >= len(t.seen)
}

// Complete: every key has been seen.
func (t *Tally) Complete() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.distinct >= len(t.seen)
}

// Counts is the tally so far, the keys never seen as missing.
func (t *Tally) Counts() Counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.c
	for _, n := range t.seen {
		if n == 0 {
			c.Missing++
		}
	}
	return c
}

// ---- the summary ----

type summary struct {
	Client          string   `json:"client"`
	Version         string   `json:"version"`
	KafkaVersion    string   `json:"kafka_version,omitempty"`
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

// ModuleVersion is the version of the module at path this binary was built with, without
// its "v" ("unknown" if it cannot tell).
func ModuleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				if d.Replace != nil {
					return strings.TrimPrefix(d.Replace.Version, "v")
				}
				return strings.TrimPrefix(d.Version, "v")
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

// PrintSummary prints the summary line on stdout; kafkaVersion ("kafka_version") is left out
// when empty.
func PrintSummary(client, version, kafkaVersion string, o Options, acked int, c Counts) {
	st.mu.Lock()
	s := summary{
		Client: client, Version: version, KafkaVersion: kafkaVersion,
		Produced: o.Count, Acked: acked, Errors: append([]string{}, st.errors...),
		Consumed: c.Consumed, Duplicates: c.Duplicates, Missing: c.Missing, OutOfOrder: c.OutOfOrder,
		RefusedConnects: st.refused, BrokersSeen: sorted(st.brokersSeen),
		ConnectedTo: sorted(st.connectedTo), ConnectFailed: sorted(st.connectFailed),
	}
	st.mu.Unlock()
	out, _ := json.Marshal(s)
	fmt.Println(string(out))
}
