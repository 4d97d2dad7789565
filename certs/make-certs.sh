#!/usr/bin/env bash
# Development certificates for kchaos's TLS tests, made with the openssl command line (and
# keytool for the Java truststore). Nothing here is fit for production: the keys are
# unencrypted and the store password is a fixed, well-known string.
#
#   certs/make-certs.sh [OUT_DIR] [--name DNS]... [--ip IP]... [--force]
#
# OUT_DIR defaults to certs/out (gitignored). Re-running keeps what exists (the server
# certificate is remade when its SANs change); --force remakes everything. What each file
# is: certs/README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/out"
FORCE=0
PASSWORD=kchaos-dev-secret # the PKCS#12 stores' password, written to OUT/password
DAYS=3650
declare -a NAMES=() IPS=()

die() { echo "make-certs.sh: $*" >&2; exit 1; }

while (($#)); do
    case "$1" in
        --name) [[ $# -ge 2 ]] || die "--name needs a value"; NAMES+=("$2"); shift 2 ;;
        --ip) [[ $# -ge 2 ]] || die "--ip needs a value"; IPS+=("$2"); shift 2 ;;
        --force) FORCE=1; shift ;;
        -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) OUT="$1"; shift ;;
    esac
done
command -v openssl >/dev/null || die "openssl not found"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$OUT"
umask 077 # keys and stores readable by their owner only
exec {lock}>"$OUT/.lock" # parallel runs (CTest fixtures) make the files once
flock "$lock"

if ((FORCE)); then
    rm -f ./*.crt ./*.key ./*.p12 ./*.pem ./*.srl ./*.san password
fi

# missing FILE...: true when any of them is absent (so it has to be made).
missing() {
    local f
    for f in "$@"; do [[ -s "$f" ]] || return 0; done
    return 1
}

# new_ca NAME CN: a self-signed CA, NAME.key and NAME.crt.
new_ca() {
    missing "$1.key" "$1.crt" || return 0
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$DAYS" \
        -keyout "$1.key" -out "$1.crt" -subj "/O=kchaos dev/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    # Everything signed by an earlier CA of this name is now worthless.
    rm -f "$1".srl
    echo "made $1.crt"
}

# extfile KIND SAN: the v3 extensions of a leaf (KIND server or client) on stdout.
extfile() {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ "$1" == server ]]; then
        echo "extendedKeyUsage=serverAuth"
    else
        echo "extendedKeyUsage=clientAuth"
    fi
    [[ -n "$2" ]] && echo "subjectAltName=$2"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid,issuer"
}

# leaf NAME CA KIND CN SAN: NAME.key and NAME.crt, signed by CA, valid from now on.
leaf() {
    local name="$1" ca="$2" kind="$3" cn="$4" san="$5"
    missing "$name.key" "$name.crt" || [[ "$ca.crt" -nt "$name.crt" ]] || return 0
    openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$name.key" -out "$name.csr" \
        -subj "/O=kchaos dev/CN=$cn" 2>/dev/null
    openssl x509 -req -sha256 -days "$DAYS" -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" \
        -CAcreateserial -extfile <(extfile "$kind" "$san") -out "$name.crt" 2>/dev/null
    rm -f "$name.csr"
    echo "made $name.crt"
}

# expired NAME CA CN SAN: a server certificate whose validity ended in 2021. `openssl x509`
# (3.0) only counts days from now; `openssl ca` takes explicit start and end dates.
expired() {
    local name="$1" ca="$2" cn="$3" san="$4" tmp
    missing "$name.key" "$name.crt" || [[ "$ca.crt" -nt "$name.crt" ]] || return 0
    tmp="$(mktemp -d)"
    openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$name.key" -out "$tmp/req.csr" \
        -subj "/O=kchaos dev/CN=$cn" 2>/dev/null
    : >"$tmp/index.txt"
    extfile server "$san" >"$tmp/ext.cnf"
    cat >"$tmp/ca.cnf" <<EOF
[ca]
default_ca = dev
[dev]
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = any
unique_subject = no
[any]
organizationName = optional
commonName = supplied
EOF
    openssl rand -hex 8 >"$tmp/serial"
    openssl ca -batch -config "$tmp/ca.cnf" -cert "$ca.crt" -keyfile "$ca.key" \
        -startdate 20200101000000Z -enddate 20210101000000Z -extfile "$tmp/ext.cnf" \
        -in "$tmp/req.csr" -out "$name.crt" -notext 2>/dev/null
    rm -rf "$tmp"
    echo "made $name.crt"
}

# p12 NAME: NAME.p12, the key and certificate chain of NAME as a PKCS#12 keystore.
p12() {
    missing "$1.p12" || [[ "$1.crt" -nt "$1.p12" ]] || return 0
    openssl pkcs12 -export -name "$1" -inkey "$1.key" -in "$1.crt" -certfile ca.crt \
        -passout "pass:$PASSWORD" -out "$1.p12"
    echo "made $1.p12"
}

[[ -s password ]] || echo "$PASSWORD" >password

# --- the world that works
new_ca ca "kchaos dev CA"
san="DNS:localhost,IP:127.0.0.1"
for n in "${NAMES[@]}"; do san+=",DNS:$n"; done
for i in "${IPS[@]}"; do san+=",IP:$i"; done
if [[ "$(cat server.san 2>/dev/null)" != "$san" ]]; then
    rm -f server.crt server.p12
    echo "$san" >server.san
fi
leaf server ca server kchaos "$san"
leaf client ca client kchaos-test-client ""
leaf broker ca server kafka-broker "DNS:localhost,IP:127.0.0.1"
# Java: the broker's and the client's keystores, one truststore holding the CA.
p12 broker
p12 client
p12 server
if missing truststore.p12 || [[ ca.crt -nt truststore.p12 ]]; then
    command -v keytool >/dev/null || die "keytool (a JDK) is needed for truststore.p12"
    rm -f truststore.p12
    keytool -importcert -noprompt -storetype PKCS12 -alias kchaos-dev-ca -file ca.crt \
        -keystore truststore.p12 -storepass "$PASSWORD" >/dev/null 2>&1
    echo "made truststore.p12"
fi

# --- the world that must be refused
new_ca wrong-ca "kchaos unrelated CA"
leaf wrong-ca-server wrong-ca server kchaos "DNS:localhost,IP:127.0.0.1"
leaf wrong-host ca server wrong.example "DNS:wrong.example"
expired expired ca kchaos "DNS:localhost,IP:127.0.0.1"
leaf untrusted-client wrong-ca client kchaos-untrusted-client ""

# Bundles some clients want: key and certificate in one PEM file.
for n in server client broker; do
    if missing "$n-bundle.pem" || [[ "$n.crt" -nt "$n-bundle.pem" ]]; then
        cat "$n.key" "$n.crt" >"$n-bundle.pem"
    fi
done
echo "certificates in $OUT (store password in $OUT/password)"
