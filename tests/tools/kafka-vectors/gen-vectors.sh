#!/usr/bin/env bash
# gen-vectors.sh OUT_FILE [--clamp K=V,K=V,...]
# gen-vectors.sh --legacy OUT_FILE
#
# Writes kchaos wire test vectors (see README.md) to OUT_FILE, using Kafka's own codec
# (org.apache.kafka:kafka-clients, version pinned in pom.xml) as the oracle. Builds the
# generator with Maven first when target/classes is missing or older than the sources.
# --legacy writes the vectors whose reference is kafka-clients 3.9.x instead (Maven profile
# kafka-3.9, built into target-3.9; ProduceResponse v0-v2, which 4.x dropped).
# Works from any directory; a relative OUT_FILE is relative to the caller's directory.
# Exit status: 0 ok, 1 generation or self-check failed (no OUT_FILE written), 2 usage.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

target=target profile=() main=kchaos.vectors.Main
if [[ "${1:-}" == --legacy ]]; then
    target=target-3.9 profile=(-P kafka-3.9) main=kchaos.vectors.LegacyMain
    shift
fi
if [[ $# -lt 1 || "$1" == -* || ( "$main" == *Legacy* && $# -ne 1 ) ]]; then
    echo "usage: $0 OUT_FILE [--clamp K=V,K=V,...] | $0 --legacy OUT_FILE" >&2
    exit 2
fi
out="$1"
shift

classes="$here/$target/classes"
lib="$here/$target/lib"
mkdir -p "$here/target" # the lock lives here for both builds: they share the sources
exec {lock}>"$here/target/.build.lock" # concurrent callers build once
flock "$lock"
if [[ ! -d "$classes" || ! -d "$lib" ]] ||
    [[ -n "$(find "$here/pom.xml" "$here/src" -newer "$classes" -print -quit)" ]]; then
    # Maven 3.8 -q still prints colour-reset escapes on stdout: keep stdout clean
    mvn -q -B -f "$here/pom.xml" "${profile[@]}" package >&2
    touch "$classes" # the directory's mtime is the "built at" stamp checked above
fi
exec {lock}>&-

exec java -cp "$classes:$lib/*" "$main" --out "$out" "$@"
