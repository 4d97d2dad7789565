"""The files docker-compose.yml ships with (deploy/) parse and name each other correctly, and
every metric the rules and the dashboard use is one kchaos exports. No container engine and no
Grafana run here, so this is what can be checked without them:

- docker-compose.yml: the services (Kafka KRaft, kchaos from deploy/Dockerfile with --admin,
  Prometheus, Grafana, a producer), every bind-mounted path exists, every kchaos flag in its
  command is one `kchaos --help` knows;
- its TLS profile (`docker compose --profile tls up`): a one-shot service runs
  certs/make-certs.sh into a named volume, kchaos-tls serves TLS with the files it makes, its
  producer speaks SSL to kchaos-tls's listener and trusts the store it makes; no host port is
  published twice;
- deploy/Dockerfile: multi-stage, the build stage installs the "build:" line of
  .ci/apt-packages (dev.sh's list), the runtime stage the "runtime:" line, which holds the
  Debian package of every shared library the built kchaos links (ldd + dpkg -S);
- Prometheus: its config, read at the path the compose command names through the mount, scrapes
  the kchaos service at the port of kchaos's --admin; `promtool check config` loads it and the
  rules it names;
- Grafana: the datasource uid the dashboard uses is the provisioned one, the provisioned
  dashboard path is where the dashboards are mounted, the client_id template variable exists;
- names: every kchaos_* metric in the rules and the dashboard is in a live scrape of kchaos
  (started on the mock cluster with a producer through it), and every kchaos:* name is a
  recording rule; the SLO's le="0.25" bucket is exported.
"""
import json
import os
import re
import subprocess

import yaml

import harness
import kcmetrics

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "deploy")


def load_yaml(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return yaml.safe_load(f)


def compose():
    return load_yaml("docker-compose.yml")


def is_bind(src):
    return src.startswith((".", "/"))  # otherwise the name of a volume


def mounts(service):
    """{container path: host path} of a service's bind mounts."""
    out = {}
    for v in service.get("volumes", []):
        src, dst = v.split(":")[:2]
        if is_bind(src):
            out[dst] = os.path.normpath(os.path.join(ROOT, src))
    return out


def volumes(service):
    """{container path: volume name} of a service's named volumes."""
    return {v.split(":")[1]: v.split(":")[0] for v in service.get("volumes", [])
            if not is_bind(v.split(":")[0])}


def host_path(service, container_path):
    """The host file behind a container path, through the service's mounts."""
    for dst, src in mounts(service).items():
        if container_path == dst or container_path.startswith(dst.rstrip("/") + "/"):
            return os.path.join(src, os.path.relpath(container_path, dst))
    raise AssertionError("%s is mounted from nowhere" % container_path)


def flag(args, name):
    for a, b in zip(args, args[1:]):
        if a == name:
            return b
    return None


def apt_line(name):
    with open(os.path.join(ROOT, ".ci", "apt-packages")) as f:
        for line in f:
            if line.startswith(name + ": "):
                return line.split(":", 1)[1].split()
    raise AssertionError("no %s: line in .ci/apt-packages" % name)


def test_compose_services_and_mounts():
    c = compose()["services"]
    assert {"kafka", "kchaos", "prometheus", "grafana", "producer"} <= set(c), sorted(c)
    assert "broker,controller" in c["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft
    build = c["kchaos"]["build"]
    assert os.path.isfile(os.path.join(ROOT, build["context"], build["dockerfile"]))
    args = c["kchaos"]["command"]
    assert flag(args, "--upstream") == "kafka:9092"
    assert flag(args, "--admin"), "kchaos runs without its admin listener: nothing to scrape"
    known = kchaos_flags()
    for a in args:
        if a.startswith("--"):
            assert a in known, "kchaos has no flag %s" % a
    for name, svc in c.items():
        for dst, src in mounts(svc).items():
            assert os.path.exists(src), "%s mounts %s from %s, which does not exist" % (name, dst, src)


def kchaos_flags():
    h = subprocess.run([harness.KCHAOS_BIN, "--help"], capture_output=True, text=True)
    return set(re.findall(r"--[a-z-]+", h.stdout + h.stderr))


def host_ports(service):
    return [p.split(":")[-2] for p in service.get("ports", [])]


def test_compose_tls_profile(tmp_path):
    doc = compose()
    c = doc["services"]
    tls = {n for n, s in c.items() if "tls" in s.get("profiles", [])}
    assert tls == {"certs", "kchaos-tls", "producer-tls"}, sorted(tls)
    assert not any(s.get("profiles") for n, s in c.items() if n not in tls), \
        "the default services must start without a profile"
    # No host port published twice, whichever profiles run.
    ports = [p for s in c.values() for p in host_ports(s)]
    assert len(ports) == len(set(ports)), sorted(ports)
    # Every named volume is declared; the certs volume is written by the one-shot only.
    for name, svc in c.items():
        for dst, vol in volumes(svc).items():
            assert vol in (doc.get("volumes") or {}), "%s uses undeclared volume %s" % (name, vol)
    certs = c["certs"]
    out = next(d for d, v in volumes(certs).items() if v == "certs")
    script = next(w for w in " ".join(certs["command"]).split() if w.endswith("make-certs.sh"))
    assert os.path.isfile(host_path(certs, script)), script
    assert ("%s %s" % (script, out)) in " ".join(certs["command"]), "make-certs.sh writes elsewhere"
    for name in ("kchaos-tls", "producer-tls"):
        assert volumes(c[name]).get(out) == "certs" and c[name]["volumes"][0].endswith(":ro")
    deps = c["kchaos-tls"]["depends_on"]
    assert deps["certs"]["condition"] == "service_completed_successfully"
    assert "kafka" in deps
    # kchaos-tls: flags it knows, the files the script makes (made here into a temp dir).
    args = c["kchaos-tls"]["command"]
    known = kchaos_flags()
    assert all(a in known for a in args if a.startswith("--")), args
    assert flag(args, "--upstream") == flag(c["kchaos"]["command"], "--upstream")
    r = subprocess.run([os.path.join(ROOT, "certs", "make-certs.sh"), str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    made = set(os.listdir(tmp_path))

    def made_file(path):
        assert os.path.dirname(path) == out and os.path.basename(path) in made, path
    made_file(flag(args, "--tls-cert"))
    made_file(flag(args, "--tls-key"))
    listen = flag(args, "--listen").rsplit(":", 1)[1]
    assert listen in host_ports(c["kchaos-tls"])
    # Its producer: in kchaos-tls's network namespace, SSL to its listener, trusting the store.
    prod = c["producer-tls"]
    assert prod["network_mode"] == "service:kchaos-tls"
    props = dict(a.split("=", 1) for a in prod["command"] if "=" in a)
    assert props["bootstrap.servers"] == "localhost:" + listen
    assert props["security.protocol"] == "SSL"
    made_file(props["ssl.truststore.location"])
    with open(tmp_path / "password") as f:
        assert props["ssl.truststore.password"] == f.read().strip()


def test_dockerfile_shares_the_package_lists():
    with open(os.path.join(DEPLOY, "Dockerfile")) as f:
        text = f.read()
    stages = re.findall(r"^FROM .*$", text, re.M)
    assert len(stages) >= 2 and " AS build" in stages[0], stages
    build, runtime = text.split(stages[1])
    assert "COPY .ci/apt-packages" in build and "s/^build: //p" in build
    assert "s/^runtime: //p" in runtime and "COPY --from=build" in runtime
    assert "-dev" not in runtime
    assert set(apt_line("build")) >= {"libuv1-dev", "libyaml-dev", "libhttp-parser-dev"}
    # Every shared library of the kchaos we built comes from a package of the runtime line.
    runtime_pkgs = set(apt_line("runtime")) | {"libc6"}  # essential in every image
    # (its own NEEDED entries, resolved by ldd: a sanitizer runtime's own needs are not its),
    # and of kchaos-cli beside it (`kchaos top|health`).
    cli = os.path.join(os.path.dirname(harness.KCHAOS_BIN), "kchaos-cli")
    for binary in (harness.KCHAOS_BIN, cli):
        ldd = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
        needed = set(re.findall(r"\(NEEDED\).*\[(.*)\]", subprocess.run(
            ["readelf", "-d", binary], capture_output=True, text=True).stdout))
        assert needed, "readelf found no NEEDED entry in %s" % binary
        for soname, lib in re.findall(r"(\S+) => (/\S+)", ldd):
            if soname not in needed:
                continue
            real = os.path.realpath(lib)
            owners = set()
            for path in {lib, real, re.sub(r"^/usr", "", real),
                         "/usr" + lib if not lib.startswith("/usr") else lib}:
                r = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
                if r.returncode == 0:
                    owners |= {line.split(":")[0] for line in r.stdout.splitlines()}
            assert owners, "no Debian package owns %s" % lib
            if all(re.match(r"lib(a|ub)san\d", o) for o in owners):
                continue  # this build's sanitizer runtime (KCHAOS_SANITIZE): the image has none
            assert owners & runtime_pkgs, "%s (%s) is missing from the runtime: line" % (lib, owners)


def prometheus_config():
    svc = compose()["services"]["prometheus"]
    cfg_path = host_path(svc, flag(svc["command"], "--config.file") or
                         next(a.split("=", 1)[1] for a in svc["command"]
                              if a.startswith("--config.file=")))
    with open(cfg_path) as f:
        return cfg_path, yaml.safe_load(f)


def test_prometheus_scrapes_kchaos_and_loads_the_rules():
    c = compose()["services"]
    admin = flag(c["kchaos"]["command"], "--admin")
    port = admin.rsplit(":", 1)[1]
    cfg_path, cfg = prometheus_config()
    targets = [t for job in cfg["scrape_configs"] for sc in job.get("static_configs", [])
               for t in sc["targets"]]
    assert "kchaos:%s" % port in targets, targets
    for rf in cfg["rule_files"]:
        assert os.path.isfile(os.path.join(os.path.dirname(cfg_path), rf)), rf
    r = subprocess.run(["promtool", "check", "config", cfg_path], capture_output=True, text=True)
    print(r.stdout + r.stderr)
    assert r.returncode == 0, r.stdout + r.stderr


def dashboard_and_provisioning():
    svc = compose()["services"]["grafana"]
    prov = host_path(svc, "/etc/grafana/provisioning")
    ds = load_yaml(prov, "datasources", "prometheus.yml")["datasources"]
    providers = []
    for f in os.listdir(os.path.join(prov, "dashboards")):
        providers += load_yaml(prov, "dashboards", f)["providers"]
    dashboards = []
    for p in providers:
        d = host_path(svc, p["options"]["path"])
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f)) as fh:
                dashboards.append(json.load(fh))
    return ds, dashboards


def walk_datasources(node, out):
    if isinstance(node, dict):
        if isinstance(node.get("datasource"), dict):
            out.append(node["datasource"])
        for v in node.values():
            walk_datasources(v, out)
    elif isinstance(node, list):
        for v in node:
            walk_datasources(v, out)


def test_grafana_provisioning_names_the_datasource_and_dashboard():
    ds, dashboards = dashboard_and_provisioning()
    uids = {d["uid"] for d in ds}
    assert [d["url"] for d in ds] == ["http://prometheus:9090"]
    assert dashboards, "no dashboard where the provider looks"
    for dash in dashboards:
        used = []
        walk_datasources(dash, used)
        assert used and all(u["uid"] in uids and u["type"] == "prometheus" for u in used), used
        names = [v["name"] for v in dash["templating"]["list"]]
        assert "client_id" in names
        assert all(t.get("expr") for p in dash["panels"] for t in p["targets"])


def exprs():
    """Every PromQL expression in the rules and dashboards, and the recorded names."""
    rules = load_yaml("deploy", "prometheus", "kchaos-rules.yml")
    out, recorded = [], set()
    for g in rules["groups"]:
        for r in g["rules"]:
            out.append(r["expr"])
            if "record" in r:
                recorded.add(r["record"])
    _, dashboards = dashboard_and_provisioning()
    for d in dashboards:
        out += [t["expr"] for p in d["panels"] for t in p["targets"]]
        out += [v["definition"] for v in d["templating"]["list"]]
    return out, recorded


def exported_names(text):
    """Metric names of a scrape: its samples and every family it declares (a family with no
    sample yet, such as a runway before three snapshots, still names itself)."""
    names = set()
    for line in text.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            names.add(m.group(1))
            if m.group(2) == "histogram":
                names |= {m.group(1) + s for s in ("_bucket", "_sum", "_count")}
        elif line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
    return names


def test_every_metric_used_is_exported():
    with harness.MockCluster(brokers=1, topics=["deploy:1"]) as mock:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args) as kc:
            s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap,
                                    "--topic", "deploy", "--prefix", "d", "--count", "200",
                                    "--client-id", "deploy-check",
                                    "--allowed-ports", kc.allowed_ports_arg()])
            assert s["acked"] == 200, s
            text = kcmetrics.get(admin, "/metrics")
            cj = kcmetrics.client(kcmetrics.clients(admin), "deploy-check")
    names = exported_names(text)
    assert re.search(r'kchaos_produce_latency_seconds_bucket\{client_id="deploy-check".*'
                     r'leg="client",outcome="ok",le="0.25"\} \d+', text), "no le=0.25 bucket"
    # The JSON contract of the leading indicators (kchaos top and health read it).
    assert isinstance(cj["delivery_failures"], int)
    ind = cj["indicators"]
    assert ind["interval_s"] == 10 and isinstance(ind["samples"], int)
    for k, thr in (("latency_p99_ms", 200), ("errors_per_s", 1), ("retries_per_s", 10),
                   ("throttle_ms", 100)):
        assert set(ind[k]) == {"now", "slope_per_s", "runway_s", "threshold"}, ind[k]
        assert ind[k]["threshold"] == thr
    used, recorded = exprs()
    missing = set()
    for e in used:
        for n in re.findall(r"\bkchaos[_:][a-zA-Z0-9_:]*", e):
            if n.startswith("kchaos:"):
                if n not in recorded:
                    missing.add(n + " (no recording rule)")
            elif n not in names:
                missing.add(n)
    assert not missing, "used but not exported: %s" % sorted(missing)
