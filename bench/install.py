"""Installs the benchmark's peers and producers from the registries into a cache outside the repo
(KCHAOS_BENCH_CACHE, default ~/.cache/kchaos-bench), times each install, and says why one that
cannot be had is missing. Nothing downloaded lands in the repository (bench/*/target is ignored)."""
import glob
import os
import shutil
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.environ.get("KCHAOS_BENCH_CACHE", os.path.expanduser("~/.cache/kchaos-bench"))
BIN = f"{CACHE}/bin"

GO_PEERS = {  # name: (package, version, binary go install makes)
    "toxiproxy": ("github.com/Shopify/toxiproxy/v2/cmd/server", "v2.12.0", "server"),
    "kafka-proxy": ("github.com/grepplabs/kafka-proxy", "v0.4.3", "kafka-proxy"),
}


def first_line(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        lines = [ln.strip() for ln in p.stdout.splitlines() if ln.strip()]
        return lines[0] if lines else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def last_error(text):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "ERROR" in ln or "error" in ln or "rror:" in ln or "Forbidden" in ln or "not available" in ln:
            return ln[:300]
    return (lines[-1] if lines else "no output")[:300]


def timed_note(stamp, fresh_seconds):
    """The install note: the time of the install that made the cached copy."""
    if fresh_seconds is not None:
        with open(stamp, "w") as f:
            f.write(f"{fresh_seconds:.1f}")
        return f"installed in {fresh_seconds:.1f} s"
    try:
        return f"cached (first install took {open(stamp).read().strip()} s)"
    except OSError:
        return "cached"


def given_var(name):
    """The variable that names a Go peer's binary built elsewhere (KCHAOS_BENCH_KAFKA_PROXY)."""
    return "KCHAOS_BENCH_" + name.upper().replace("-", "_")


def go_install(name, log):
    """The peer's binary: given_var(name) when set (a binary built elsewhere, for a module
    the Go proxy refuses), else a cached or fresh `go install`."""
    pkg, ver, made = GO_PEERS[name]
    given = os.environ.get(given_var(name))
    if given:
        if not os.access(given, os.X_OK):
            return None, f"{given_var(name)}={given} is not an executable"
        return given, f"given as {given}, not installed by the benchmark"
    dest = f"{BIN}/{name}-{ver}"
    if os.access(dest, os.X_OK):
        return dest, timed_note(dest + ".time", None)
    if not shutil.which("go"):
        return None, "go not found (Go 1.21+ is needed for go install)"
    log(f"install: go install {pkg}@{ver}")
    t0 = time.time()
    with tempfile.TemporaryDirectory() as gobin:
        p = subprocess.run(["go", "install", f"{pkg}@{ver}"], env=dict(os.environ, GOBIN=gobin),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0 or not os.path.exists(f"{gobin}/{made}"):
            return None, f"`go install {pkg}@{ver}` failed after {time.time() - t0:.1f} s: {last_error(p.stdout)}"
        os.makedirs(BIN, exist_ok=True)
        shutil.move(f"{gobin}/{made}", dest)
    return dest, timed_note(dest + ".time", time.time() - t0)


def maven_package(project, log):
    """Builds bench/<project> (classes + target/lib); returns (classpath, note) or (None, reason)."""
    d = f"{HERE}/{project}"
    stamp = f"{d}/target/.built"
    newest = max(os.path.getmtime(f) for f in glob.glob(f"{d}/pom.xml") + glob.glob(f"{d}/src/**/*", recursive=True))
    fresh = None
    if not (os.path.exists(stamp) and os.path.getmtime(stamp) >= newest and os.path.isdir(f"{d}/target/lib")):
        if not shutil.which("mvn"):
            return None, "mvn not found"
        log(f"install: mvn package bench/{project}")
        t0 = time.time()
        p = subprocess.run(["mvn", "-q", "-B", "-f", f"{d}/pom.xml", "package"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            return None, f"mvn package bench/{project} failed: {last_error(p.stdout)}"
        fresh = time.time() - t0
        open(stamp, "w").close()
    return f"{d}/target/classes:{d}/target/lib/*", timed_note(f"{d}/target/.install-time", fresh)


def install_all(log):
    tools, install, versions = {}, {}, {}
    kchaos = f"{ROOT}/build/kchaos"
    tools["kchaos"] = kchaos
    if os.environ.get("KCHAOS_BENCH_BASE"):
        tools["kchaos-base"] = os.environ["KCHAOS_BENCH_BASE"]
    versions["kchaos"] = first_line([kchaos, "--version"]) + " (build/, default flags, --log-level warn)"
    tools["rdkafka_bench"] = f"{BIN}/rdkafka_bench"
    versions["librdkafka producer"] = "bench/rdkafka_bench.c on librdkafka " + first_line(
        ["pkg-config", "--modversion", "rdkafka"]) + " (Debian)"

    for name, ver_cmd in (("haproxy", ["-v"]), ("socat", ["-V"])):
        path = shutil.which(name) or (f"/usr/sbin/{name}" if os.access(f"/usr/sbin/{name}", os.X_OK) else None)
        if path:
            tools[name] = path
            out = subprocess.run([path] + ver_cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
            line = next((ln for ln in out.splitlines() if "version" in ln), "?")
            versions[name] = line.strip() + " (Debian)"
        else:
            install[name] = "Debian package missing (./dev.sh bench installs it)"
            versions[name] = "—"
    if "haproxy" in tools:
        versions["haproxy"] += ", mode tcp, one listener per broker"
    if "socat" in tools:
        versions["socat"] += ", `TCP-LISTEN:P,fork,reuseaddr TCP:BROKER` per broker"

    for name in GO_PEERS:
        path, note = go_install(name, log)
        install[name] = note
        pkg, ver, _ = GO_PEERS[name]
        versions[name] = f"Go module {pkg.split('/cmd/')[0]} {ver}"
        if path:
            tools[name] = path

    java = shutil.which("java") or "java"
    cp, note = maven_package("java", log)
    install["java producer"] = note
    versions["java producer"] = "org.apache.kafka:kafka-clients 4.4.0, bench/java, " + first_line([java, "-version"])
    if cp:
        tools["java_producer"] = [java, "-cp", cp, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                                  "kchaos.bench.ProducerBench"]
    cp, note = maven_package("kroxylicious", log)
    install["kroxylicious"] = note
    jars = glob.glob(f"{HERE}/kroxylicious/target/lib/kroxylicious-runtime-*.jar")
    kver = os.path.basename(jars[0])[len("kroxylicious-runtime-"):-4] if jars else "?"
    versions["kroxylicious"] = (f"io.kroxylicious:kroxylicious-runtime {kver} (Maven Central; kroxylicious-app is "
                                "not served there, bench/kroxylicious starts the same KafkaProxy), portIdentifiesNode, "
                                "JVM defaults")
    if cp:
        tools["kroxylicious"] = [java, "-cp", cp, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                                 "kchaos.bench.RunKroxylicious"]
    return tools, install, versions
