#!/usr/bin/env bash
# Runs a real Apache Kafka KRaft cluster (tests/tools/kafka-launcher) in the
# background for kchaos tests, e.g. as CTest fixture setup/cleanup.
#
#   kafka-cluster.sh build
#   kafka-cluster.sh start STATE_DIR [--brokers N] [--base-port P] [--config k=v ...]
#                          [--secure CERTS_DIR]
#   kafka-cluster.sh ctl   STATE_DIR COMMAND...     (prints the reply; exit 1 on ERR)
#   kafka-cluster.sh stop  STATE_DIR
#
# start returns once every broker is up, leaving the JVM running, and writes
# STATE_DIR/cluster.env (KAFKA_BOOTSTRAP, KAFKA_CONTROL_PORT, KAFKA_BROKERS,
# KAFKA_PEERS, KAFKA_PEER_BACKENDS, KAFKA_VERSION, KAFKA_CLUSTER_ID, KAFKA_PID). Files in STATE_DIR:
# launcher.out (stdout: the READY line), launcher.err, kafka.log, pid.
#
# --secure CERTS_DIR (made by certs/make-certs.sh) adds, beside the plaintext listeners that
# stay as they are, an SSL (P+50+i), a SASL_PLAINTEXT (P+60+i) and a SASL_SSL (P+70+i) listener
# per broker, with SASL users alice and bob (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). cluster.env
# then also holds KAFKA_BOOTSTRAP_SSL, KAFKA_BOOTSTRAP_SASL_PLAINTEXT, KAFKA_BOOTSTRAP_SASL_SSL,
# KAFKA_BROKERS_SSL, KAFKA_BROKERS_SASL_PLAINTEXT, KAFKA_BROKERS_SASL_SSL (the KAFKA_BROKERS
# form), KAFKA_CERTS (CERTS_DIR) and KAFKA_SASL_USERS (STATE_DIR/sasl-users.json:
# {"mechanisms":[...],"users":{"alice":"alice-secret",...}}).
# Control commands: see tests/tools/kafka-launcher/src/main/java/kchaos/launcher/KafkaLauncher.java.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJ="$HERE/kafka-launcher"
TARGET="$PROJ/target"
MAIN_CLASS=kchaos.launcher.KafkaLauncher

die() { echo "kafka-cluster.sh: $*" >&2; exit 1; }

build() {
    local stamp="$TARGET/.built" lock
    mkdir -p "$TARGET"
    exec {lock}>"$TARGET/.build.lock"  # parallel fixture setups build once
    flock "$lock"
    if [[ -f "$stamp" && -d "$TARGET/lib" && -d "$TARGET/classes" ]] &&
       [[ -z "$(find "$PROJ/pom.xml" "$PROJ/src" -newer "$stamp" -print -quit)" ]]; then
        exec {lock}>&-
        return 0
    fi
    mvn -q -B -f "$PROJ/pom.xml" package -DskipTests >&2 || die "maven build failed"
    touch "$stamp"
    exec {lock}>&-
}

# ctl_line PORT LINE: one request line, one response line on stdout.
ctl_line() {
    python3 - "$1" "$2" <<'EOF'
import socket, sys
port, line = int(sys.argv[1]), sys.argv[2]
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
except OSError as e:
    print("ERR cannot connect to control port %d: %s" % (port, e)); sys.exit(1)
s.settimeout(300)
s.sendall((line + "\n").encode())
buf = b""
while not buf.endswith(b"\n"):
    try:
        d = s.recv(65536)
    except OSError as e:
        print("ERR %s" % e); sys.exit(1)
    if not d:
        break
    buf += d
resp = buf.decode().strip() or "ERR connection closed without a reply"
print(resp)
sys.exit(0 if resp == "OK" or resp.startswith("OK ") else 1)
EOF
}

# alive PID: the launcher JVM with that pid still runs (guards against pid reuse).
alive() {
    [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS"
}

control_port() {
    local dir="$1"
    [[ -f "$dir/cluster.env" ]] || die "$dir/cluster.env missing (cluster not started?)"
    # shellcheck disable=SC1091
    (source "$dir/cluster.env" && echo "$KAFKA_CONTROL_PORT")
}

stop() {
    local dir="$1" pid="" i
    [[ -f "$dir/pid" ]] && pid="$(cat "$dir/pid")"
    if ! alive "$pid"; then
        rm -f "$dir/pid"
        return 0
    fi
    if [[ -f "$dir/cluster.env" ]]; then
        ctl_line "$(control_port "$dir")" shutdown >/dev/null 2>&1 || true
    else
        kill -TERM "$pid" 2>/dev/null || true  # never got READY: the shutdown hook cleans up
    fi
    for ((i = 0; i < 600; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        echo "kafka-cluster.sh: launcher $pid did not exit in 60 s, killing it" >&2
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pid"
}

start() {
    local dir="$1"; shift
    local brokers=1 port=19090 certs="" a
    local -a args=("$@")
    for ((a = 0; a < ${#args[@]}; a++)); do
        case "${args[a]}" in
            --brokers) brokers="${args[a + 1]:-}" ;;
            --base-port) port="${args[a + 1]:-}" ;;
            --secure)
                [[ -d "${args[a + 1]:-}" ]] || die "--secure ${args[a + 1]:-}: no such directory (certs/make-certs.sh makes it)"
                certs="$(cd "${args[a + 1]}" && pwd)"
                args[a + 1]="$certs" ;;
        esac
    done
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [[ -n "$certs" ]] && args+=(--users-file "$dir/sasl-users.json")
    stop "$dir"
    build
    rm -f "$dir/cluster.env" "$dir/launcher.out" "$dir/launcher.err" "$dir/kafka.log" "$dir/sasl-users.json"
    local heap=-Xmx512m
    ((brokers > 1)) && heap=-Xmx1g
    setsid nohup java "$heap" -Xss512k -XX:+UseSerialGC \
        -XX:MaxMetaspaceSize=256m -Djava.awt.headless=true \
        -cp "$TARGET/classes:$TARGET/lib/*" "$MAIN_CLASS" \
        --log-file "$dir/kafka.log" "${args[@]}" \
        </dev/null >"$dir/launcher.out" 2>"$dir/launcher.err" &
    local pid=$!
    echo "$pid" >"$dir/pid"

    local ready="" deadline=$((SECONDS + 180))
    while ((SECONDS < deadline)); do
        ready="$(grep -m1 '^READY ' "$dir/launcher.out" 2>/dev/null || true)"
        [[ -n "$ready" ]] && break
        kill -0 "$pid" 2>/dev/null || break  # (not alive: setsid/nohup may not have exec'd java yet)
        sleep 0.1
    done
    if [[ -z "$ready" ]]; then
        echo "kafka-cluster.sh: cluster in $dir did not become ready" >&2
        for f in launcher.out launcher.err kafka.log; do
            [[ -s "$dir/$f" ]] && { echo "--- tail $dir/$f" >&2; tail -n 40 "$dir/$f" >&2; }
        done
        stop "$dir"
        exit 1
    fi

    # READY bootstrap=A,B control=H:P brokers=1@A,2@B peer=1@X,2@Y version=V cluster=ID
    local bootstrap control brokerlist peers version cluster backends="" i
    bootstrap="$(sed -n 's/.* bootstrap=\([^ ]*\).*/\1/p' <<<"$ready")"
    control="$(sed -n 's/.* control=\([^ ]*\).*/\1/p' <<<"$ready")"
    brokerlist="$(sed -n 's/.* brokers=\([^ ]*\).*/\1/p' <<<"$ready")"
    peers="$(sed -n 's/.* peer=\([^ ]*\).*/\1/p' <<<"$ready")"
    version="$(sed -n 's/.* version=\([^ ]*\).*/\1/p' <<<"$ready")"
    cluster="$(sed -n 's/.* cluster=\([^ ]*\).*/\1/p' <<<"$ready")"
    for ((i = 1; i <= brokers; i++)); do
        backends+="${backends:+ }$i@127.0.0.1:$((port + 30 + i))"
    done
    cat >"$dir/cluster.env" <<EOF
KAFKA_BOOTSTRAP=$bootstrap
KAFKA_CONTROL_PORT=${control##*:}
KAFKA_BROKERS="${brokerlist//,/ }"
KAFKA_PEERS="${peers//,/ }"
KAFKA_PEER_BACKENDS="$backends"
KAFKA_VERSION=$version
KAFKA_CLUSTER_ID=$cluster
KAFKA_PID=$pid
EOF
    if [[ -n "$certs" ]]; then
        # READY ... ssl=1@A,... sasl_plaintext=1@B,... sasl_ssl=1@C,...
        local l list
        for l in ssl sasl_plaintext sasl_ssl; do
            list="$(sed -n "s/.* $l=\([^ ]*\).*/\1/p" <<<"$ready")"
            [[ -n "$list" ]] || die "the launcher reported no $l listener"
            echo "KAFKA_BOOTSTRAP_${l^^}=$(sed 's/[0-9]*@//g' <<<"$list")"
            echo "KAFKA_BROKERS_${l^^}=\"${list//,/ }\""
        done >>"$dir/cluster.env"
        cat >>"$dir/cluster.env" <<EOF
KAFKA_CERTS=$certs
KAFKA_SASL_USERS=$dir/sasl-users.json
EOF
    fi
    echo "$ready"
}

cmd="${1:-}"
case "$cmd" in
    build) build ;;
    start)
        [[ $# -ge 2 ]] || die "usage: $0 start STATE_DIR [--brokers N] [--base-port P] [--config k=v ...] [--secure CERTS_DIR]"
        shift; start "$@" ;;
    ctl)
        [[ $# -ge 3 ]] || die "usage: $0 ctl STATE_DIR COMMAND..."
        dir="$2"; shift 2
        ctl_line "$(control_port "$dir")" "$*" ;;
    stop)
        [[ $# -eq 2 ]] || die "usage: $0 stop STATE_DIR"
        stop "$2" ;;
    *) die "usage: $0 build | start STATE_DIR [opts] | ctl STATE_DIR COMMAND... | stop STATE_DIR" ;;
esac
