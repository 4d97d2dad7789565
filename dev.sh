#!/usr/bin/env bash
# kchaos developer entry point. On a fresh Debian bookworm machine (as root):
#
#   ./dev.sh demo [--kafka] [--keep]   kchaos in front of an embedded cluster, a producer through it
#   ./dev.sh test                      install, build (plain + ASan/UBSan + fuzz), run every test
#   ./dev.sh bench                     the benchmark (bench/README.md)
#   ./dev.sh compat                    README's compatibility table from the last real-Kafka run
#   ./dev.sh build | deps | fuzz [SECONDS] | clean
#
# Everything a step needs is installed on first use (apt, npm, pip, Go modules, Maven); the
# caches (~/.m2, ~/go, ~/.npm, .venv) are reused between runs.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=$ROOT/build
BUILD_ASAN=$ROOT/build-asan
BUILD_FUZZ=$ROOT/build-fuzz
JOBS=$(nproc)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'dev.sh: %s\n' "$*" >&2; exit 1; }

# ---- dependencies ---------------------------------------------------------------------------

APT_BUILD=(build-essential cmake ninja-build pkg-config libuv1-dev libssl-dev libyaml-dev
           libcmocka-dev librdkafka-dev libhttp-parser-dev clang libclang-rt-14-dev)
APT_TEST=(python3 python3-pytest python3-kafka python3-confluent-kafka python3-venv kcat
          nftables iproute2 openjdk-17-jdk-headless maven)
APT_BENCH=(python3 openjdk-17-jdk-headless maven haproxy socat)

apt_install() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "apt: installing ${missing[*]}"
    [ "$(id -u)" = 0 ] || die "installing packages needs root (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

need_node() {
    command -v node >/dev/null && command -v npm >/dev/null && return 0
    apt_install nodejs npm
}

deps_build() { apt_install "${APT_BUILD[@]}"; }

deps_test() {
    deps_build
    apt_install "${APT_TEST[@]}"
    need_node
    (cd tests/clients/js && npm ci --silent --no-audit --no-fund >/dev/null)
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r tests/clients/python/requirements.txt
    command -v go >/dev/null || die "Go is needed for the Go clients (Debian's 1.19 is too old)"
    (cd tests/clients/go && go build -o "$BUILD/go-clients/" ./...)
    # The Java pieces build themselves when stale; building here keeps Maven out of test time.
    tests/tools/kafka-cluster.sh build
    tests/clients/java/java-client --build-only
}

# ---- build ----------------------------------------------------------------------------------

build_dir() { # DIR [cmake args...]
    local dir=$1; shift
    cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
    ninja -C "$dir" -j "$JOBS" >/dev/null
}

cmd_build() {
    deps_build
    say "building $BUILD"
    build_dir "$BUILD"
}

# ---- test -----------------------------------------------------------------------------------

cmd_test() {
    deps_test
    say "building (plain, ASan+UBSan, fuzz)"
    build_dir "$BUILD"
    build_dir "$BUILD_ASAN" -DKCHAOS_SANITIZE=ON
    CC=clang build_dir "$BUILD_FUZZ" -DKCHAOS_FUZZ=ON
    local start=$SECONDS
    say "tests: every label (build/)"
    ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" -LE fuzz
    # The sanitizer pass runs kchaos with two event loops, the plain one with one: every mock
    # test crosses both designs.
    say "tests under ASan+UBSan, kchaos --threads 2: unit, vectors, mock (build-asan/)"
    KCHAOS_ARGS="--threads 2" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$BUILD_ASAN" --output-on-failure -j "$JOBS" -L 'unit|vectors|mock'
    say "fuzz targets, a short run each (build-fuzz/)"
    ctest --test-dir "$BUILD_FUZZ" --output-on-failure -j "$JOBS" -L fuzz
    say "all tests passed in $((SECONDS - start)) s"
}

cmd_fuzz() {
    deps_build
    CC=clang build_dir "$BUILD_FUZZ" -DKCHAOS_FUZZ=ON -DKCHAOS_FUZZ_SECONDS="${1:-60}"
    ctest --test-dir "$BUILD_FUZZ" --output-on-failure -L fuzz
}

# ---- demo -----------------------------------------------------------------------------------

cmd_demo() {
    local kafka=0 keep=0
    for a in "$@"; do
        case $a in
            --kafka) kafka=1 ;;
            --keep) keep=1 ;;
            *) die "demo: unknown option $a" ;;
        esac
    done
    if [ $kafka = 1 ]; then deps_test; else deps_build; apt_install kcat; fi
    build_dir "$BUILD"
    exec python3 "$ROOT/tests/tools/demo.py" --build "$BUILD" \
        $([ $kafka = 1 ] && echo --kafka) $([ $keep = 1 ] && echo --keep)
}

cmd_bench() {
    deps_build
    apt_install "${APT_BENCH[@]}"
    command -v go >/dev/null || die "Go is needed to install Toxiproxy for the benchmark"
    build_dir "$BUILD"
    exec "$ROOT/bench/run.sh" "$@"
}

case ${1:-} in
    demo) shift; cmd_demo "$@" ;;
    test) shift; cmd_test "$@" ;;
    bench) shift; cmd_bench "$@" ;;
    build) cmd_build ;;
    deps) deps_test ;;
    fuzz) shift; cmd_fuzz "$@" ;;
    compat) exec python3 "$ROOT/tests/tools/compat_table.py" --readme ;;
    clean) rm -rf "$BUILD" "$BUILD_ASAN" "$BUILD_FUZZ" ;;
    *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
