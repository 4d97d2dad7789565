#!/usr/bin/env bash
# gen-vectors.sh OUT_FILE [--clamp K=V,K=V,...]
#
# Writes kchaos wire test vectors (see README.md) to OUT_FILE, using Kafka's own codec
# (org.apache.kafka:kafka-clients, version pinned in pom.xml) as the oracle. Builds the
# generator with Maven first when target/classes is missing or older than the sources.
# Works from any directory; a relative OUT_FILE is relative to the caller's directory.
# Exit status: 0 ok, 1 generation or self-check failed (no OUT_FILE written), 2 usage.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ $# -lt 1 || "$1" == -* ]]; then
    echo "usage: $0 OUT_FILE [--clamp K=V,K=V,...]" >&2
    exit 2
fi
out="$1"
shift

classes="$here/target/classes"
lib="$here/target/lib"
mkdir -p "$here/target"
exec {lock}>"$here/target/.build.lock" # concurrent callers build once
flock "$lock"
if [[ ! -d "$classes" || ! -d "$lib" ]] ||
    [[ -n "$(find "$here/pom.xml" "$here/src" -newer "$classes" -print -quit)" ]]; then
    # Maven 3.8 -q still prints colour-reset escapes on stdout: keep stdout clean
    mvn -q -B -f "$here/pom.xml" package >&2
    touch "$classes" # the directory's mtime is the "built at" stamp checked above
fi
exec {lock}>&-

exec java -cp "$classes:$lib/*" kchaos.vectors.Main --out "$out" "$@"
