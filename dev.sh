#!/usr/bin/env bash
# kchaos developer entry point. On a fresh Debian bookworm machine (as root):
#
#   ./dev.sh demo [--kafka] [--tls] [--keep]  kchaos in front of an embedded cluster, a producer through it
#   ./dev.sh test                             install, build (plain + ASan/UBSan + fuzz), run every test
#   ./dev.sh bench                            the benchmark (bench/README.md)
#   ./dev.sh soak [--minutes N]               N minutes (30) against a real cluster: flat RSS and fds
#   ./dev.sh compat                           README's compatibility table from the last real-Kafka run
#   ./dev.sh broken                           the chosen tests must fail against deliberately broken builds
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
BUILD_BROKEN=$ROOT/build-broken  # build-broken-addr, build-broken-drop
JOBS=$(nproc)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'dev.sh: %s\n' "$*" >&2; exit 1; }

# ---- dependencies ---------------------------------------------------------------------------

# The package lists live in .ci/apt-packages (the Dockerfile reads the build line too).
apt_list() { sed -n "s/^$1: //p" "$ROOT/.ci/apt-packages"; }
read -r -a APT_BUILD <<<"$(apt_list build)"
read -r -a APT_TEST <<<"$(apt_list test)"
read -r -a APT_BENCH <<<"$(apt_list bench)"

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

# pytest runs with -rs, and any skip that is not an explicit opt-out (README, "Tests") fails
# its test (tests/integration/conftest.py); this prints the opt-outs a run took.
report_skips() {
    local log=$1/Testing/Temporary/LastTest.log
    [ -f "$log" ] || return 0
    if grep -q '^SKIPPED' "$log"; then
        say "skipped by explicit opt-out ($1):"
        grep '^SKIPPED' "$log" >&2
    fi
}

cmd_test() {
    deps_test
    say "building (plain, ASan+UBSan, fuzz)"
    build_dir "$BUILD"
    build_dir "$BUILD_ASAN" -DKCHAOS_SANITIZE=ON
    CC=clang build_dir "$BUILD_FUZZ" -DKCHAOS_FUZZ=ON
    local start=$SECONDS
    say "tests: every label (build/)"
    ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" -LE 'fuzz|broken'
    report_skips "$BUILD"
    # The sanitizer pass runs kchaos with two event loops, the plain one with one: every mock
    # test crosses both designs.
    say "tests under ASan+UBSan, kchaos --threads 2: unit, vectors, mock (build-asan/)"
    KCHAOS_ARGS="--threads 2" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$BUILD_ASAN" --output-on-failure -j "$JOBS" -L 'unit|vectors|mock'
    report_skips "$BUILD_ASAN"
    say "fuzz targets, a short run each (build-fuzz/)"
    ctest --test-dir "$BUILD_FUZZ" --output-on-failure -j "$JOBS" -L fuzz
    cmd_broken
    say "all tests passed in $((SECONDS - start)) s"
}

# A deliberately broken kchaos for each KCHAOS_BREAK variant; the tests labelled `broken` there
# must fail against it (tests/integration/CMakeLists.txt names them). The step passes only if
# each of them fails: it proves their oracles see a proxy that is wrong.
cmd_broken() {
    local v dir
    for v in addr drop; do
        dir=$BUILD_BROKEN-$v
        say "broken proxy '$v' ($dir): each chosen test must fail"
        cmake -S "$ROOT" -B "$dir" -G Ninja -DKCHAOS_BREAK="$v" >/dev/null
        ninja -C "$dir" -j "$JOBS" kchaos mock_cluster rdkafka_client >/dev/null
        ctest --test-dir "$dir" --output-on-failure -L broken ||
            die "a test did not fail against the broken '$v' build: its oracle misses the break"
    done
}

cmd_fuzz() {
    deps_build
    CC=clang build_dir "$BUILD_FUZZ" -DKCHAOS_FUZZ=ON -DKCHAOS_FUZZ_SECONDS="${1:-60}"
    ctest --test-dir "$BUILD_FUZZ" --output-on-failure -L fuzz
}

# ---- soak -----------------------------------------------------------------------------------

# Not part of `test`: N minutes of producers, consumers, churn, leader moves and a broker
# restart through kchaos against a real 3-broker cluster (tests/soak/soak.py has the options).
cmd_soak() {
    deps_test
    build_dir "$BUILD"
    exec python3 "$ROOT/tests/soak/soak.py" --build "$BUILD" "$@"
}

# ---- demo -----------------------------------------------------------------------------------

cmd_demo() {
    local kafka=0 keep=0 tls=0
    for a in "$@"; do
        case $a in
            --kafka) kafka=1 ;;
            --keep) keep=1 ;;
            --tls) tls=1 ;;
            *) die "demo: unknown option $a" ;;
        esac
    done
    if [ $kafka = 1 ]; then deps_test; else deps_build; apt_install kcat; fi
    # certs/make-certs.sh: openssl, and keytool for its Java truststore
    if [ $tls = 1 ]; then apt_install openssl openjdk-17-jdk-headless; fi
    build_dir "$BUILD"
    exec python3 "$ROOT/tests/tools/demo.py" --build "$BUILD" \
        $([ $kafka = 1 ] && echo --kafka) $([ $tls = 1 ] && echo --tls) $([ $keep = 1 ] && echo --keep)
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
    soak) shift; cmd_soak "$@" ;;
    build) cmd_build ;;
    deps) deps_test ;;
    fuzz) shift; cmd_fuzz "$@" ;;
    compat) exec python3 "$ROOT/tests/tools/compat_table.py" --readme ;;
    broken) deps_test; build_dir "$BUILD"; cmd_broken ;;
    clean) rm -rf "$BUILD" "$BUILD_ASAN" "$BUILD_FUZZ" "$BUILD_BROKEN"-* ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
