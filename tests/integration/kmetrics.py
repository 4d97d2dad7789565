"""kchaos's admin endpoint as the metrics tests read it: GET /metrics parsed into samples, and
the client records of GET /api/v1/clients. Loopback only; one request per call."""
import json
import re
import urllib.request

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def get(port, path, timeout=10):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
        assert r.status == 200, (path, r.status)
        return r.read().decode()


def parse(text):
    """Prometheus text -> [(name, {label: value}, float)]; comments skipped."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, "not a Prometheus sample line: %r" % line
        labels = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                  for k, v in _LABEL.findall(m.group(2) or "")}
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def scrape(port):
    return parse(get(port, "/metrics"))


def total(samples, name, **match):
    """Sum of `name` over the samples whose labels include `match`."""
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == w for k, w in match.items()))


def clients(port):
    return json.loads(get(port, "/api/v1/clients"))["clients"]


def client(port, client_id):
    """The one /api/v1/clients record of `client_id` (the tests' producers run on one host)."""
    found = [c for c in clients(port) if c["client_id"] == client_id]
    assert len(found) == 1, "expected one client %r in /api/v1/clients, found %d" % (client_id, len(found))
    return found[0]
