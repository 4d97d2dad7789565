"""The admin page (GET /ui, proxy/admin/timeline.html) in a real browser, against librdkafka's
mock cluster: Debian's chromium, headless, with every host name but 127.0.0.1 made unresolvable,
loads the page from kchaos's admin listener and must draw, from kchaos's own API alone, the live
producers (one row each), the recording's incident (an error cell per topic, partition, window
and code that GET /api/v1/recordings/timeline holds, and no other) and the bands of the rules
(the recording's exported rule for the incident and a scenario applied during it). With nothing
recorded the page says how to start a recording and still shows the producers.

The incident is the mock brokers' own (push-errors: NOT_LEADER_OR_FOLLOWER), so the recording,
which keeps what the brokers answered, holds it; the test reads which windows it fell in from
the recording itself and checks them against the window count around the push."""
import collections
import http.client
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from html.parser import HTMLParser

import yaml

import harness
import kcmetrics

NOT_LEADER = 6
SIZE = (1400, 1000)
# Every name but the admin listener's address resolves to nothing: the page must need no network.
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
SCENARIO = """name: page-slow
description: a latency rule on topic two while the incident is recorded
rules:
  - name: slow-two
    match: {topic: two}
    at: 1s
    for: 3s
    latency: {ms: 5}
"""


def chromium():
    path = shutil.which("chromium")
    assert path, "chromium is not installed (.ci/apt-packages, test line)"
    return path


def browse(url, out_png=None, budget_ms=3000):
    """The page's DOM after `budget_ms` of virtual time (its refreshes run), and optionally a
    screenshot of it, from headless chromium cut off from any network but loopback."""
    profile = tempfile.mkdtemp(prefix="kchaos-chromium-")
    try:
        args = [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--user-data-dir=" + profile, NO_NETWORK,
                "--window-size=%d,%d" % SIZE, "--virtual-time-budget=%d" % budget_ms]
        if out_png:
            r = subprocess.run(args + ["--screenshot=" + out_png, url], capture_output=True,
                               text=True, timeout=60)
            assert r.returncode == 0 and os.path.exists(out_png), r.stderr[-3000:]
        r = subprocess.run(args + ["--dump-dom", url], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "<body" in r.stdout, r.stderr[-3000:]
        return r.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Dom(HTMLParser):
    """Every element of a dumped DOM as (tag, {attribute: value}), in document order."""

    def __init__(self, text):
        super().__init__()
        self.elements = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: (v if v is not None else "") for k, v in attrs}))

    handle_startendtag = handle_starttag

    def find(self, tag=None, **want):
        """Elements with every attribute in want (data_client -> data-client, class_ -> class;
        None: present at all)."""
        want = {k.rstrip("_").replace("_", "-"): v for k, v in want.items()}
        out = []
        for t, a in self.elements:
            if tag and t != tag:
                continue
            if all((k in a) if v is None else a.get(k) == str(v) for k, v in want.items()):
                out.append(a)
        return out


def request(port, method, path, body=None, headers=None):
    """(status, headers lower-cased, body bytes) of one request to the admin listener."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


class producer:
    """A librdkafka producer run again and again (20 records a run) until stop()."""

    def __init__(self, kc, topic, client_id):
        self.runs, self.done = [], threading.Event()
        self.args = [harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", topic,
                     "--prefix", client_id, "--count", "20", "--acks", "all", "--idempotent",
                     "--client-id", client_id, "--allowed-ports", kc.allowed_ports_arg()]
        self.t = threading.Thread(target=self._run)
        self.t.start()

    def _run(self):
        while not self.done.is_set():
            try:
                self.runs.append(harness.run_client(self.args, timeout=60))
            except Exception as e:  # judged by stop()
                self.runs.append({"acked": 0, "error": repr(e)})

    def stop(self):
        self.done.set()
        self.t.join(90)
        assert not self.t.is_alive(), "a producer hung"
        bad = [r for r in self.runs if r.get("acked") != 20]
        assert self.runs and not bad, bad


def png_pixels(path):
    """(width, height, {pixel: count}) of an 8-bit RGB(A) PNG, decoded with the standard library
    (zlib, struct): chromium writes such PNGs."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        assert zlib.crc32(kind + chunk) == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    assert len(raw) == h * (stride + 1), "image data of the wrong size"
    prev, colours = bytearray(stride), collections.Counter()
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # PNG's five filters (RFC 2083 6)
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(bytes(line[i:i + bpp]) for i in range(0, stride, bpp))
        prev = line
    return w, h, colours


def seconds(d):
    """A whole-second duration of the export ("3s")."""
    m = re.fullmatch(r"(\d+)s", str(d))
    assert m, "not whole seconds: %r" % d
    return int(m.group(1))


def served_page(admin):
    status, h, body = request(admin, "GET", "/ui")
    assert status == 200, status
    assert h["content-type"] == "text/html; charset=utf-8", h
    csp = h.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp, csp
    assert not re.search(r"https?:", csp), csp
    html = body.decode()
    # Nothing from elsewhere: no absolute URL at all, and every src/href relative or data:.
    assert not re.search(r"https?://", html, re.I), re.findall(r".{40}https?://.{40}", html)
    refs = re.findall(r"""\b(?:src|href|action)\s*=\s*["']([^"']*)["']""", html, re.I)
    assert all(r.startswith(("/", "data:")) or ":" not in r.split("/")[0] for r in refs), refs
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']//""", html), "a protocol-relative URL"
    return html


def test_timeline_page(tmp_path):
    with harness.MockCluster(brokers=3, topics=["one:1", "two:2"]) as mock:
        mock.ctl("set-leader one 0 1")
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args, log_level="info") as kc:
            url = "http://127.0.0.1:%d/ui" % admin
            served_page(admin)
            # The index links the page for a browser; a plain client still gets the text list.
            status, h, body = request(admin, "GET", "/")
            assert status == 200 and body.startswith(b"kchaos admin") and b"GET /ui" in body
            status, _, body = request(admin, "GET", "/", headers={"Accept": "text/html,*/*"})
            assert status == 200 and b'<a href="/ui">' in body
            assert request(admin, "GET", "/api/v1/recordings/timeline")[0] == 404

            a = producer(kc, "one", "page-a")
            b = producer(kc, "two", "page-b")
            try:
                ids = lambda: {c["client_id"] for c in kcmetrics.clients(admin)["clients"]}
                harness.wait_for(lambda: {"page-a", "page-b"} <= ids(), 30, "both producers")

                # ---- nothing recorded: the producers, and how to start a recording ----
                dom = Dom(browse(url))
                assert dom.find("tr", data_client="page-a") and dom.find("tr", data_client="page-b")
                assert dom.find("body", data_recording="none"), "the page did not see no recording"
                help_ = dom.find("div", id="help")
                assert help_ and "hidden" not in help_[0], "no help to start a recording"
                assert not dom.find(class_="incident") and not dom.find(class_="rule-band")
                assert not dom.find("tr", data_scenario=None), "a scenario before any was applied"

                # ---- the incident, recorded ----
                status, _, body = request(admin, "POST", "/api/v1/recordings")
                assert status == 201, body
                windows = lambda: kcmetrics.recording_windows(admin)  # noqa: E731
                status, _, body = request(admin, "POST", "/api/v1/scenarios", SCENARIO)
                assert status == 201, body
                harness.wait_for(lambda: windows() >= 3, 10, "three windows")
                w_push = windows() - 1  # the window the push falls in, or a later one
                mock.ctl("push-errors 0 %s" % ",".join([str(NOT_LEADER)] * 4))  # raises on ERR
                harness.wait_for(lambda: windows() >= w_push + 2, 10, "a window after the errors")
                w_slow = windows() - 1
                mock.ctl("broker-rtt 1 100")  # one[0]'s leader slow for two windows
                harness.wait_for(lambda: windows() >= w_slow + 3, 10, "the slow windows")
                mock.ctl("broker-rtt 1 0")
                harness.wait_for(lambda: windows() >= w_slow + 5, 10, "windows after them")
                # Live: the running recording is drawn as it is.
                live = Dom(browse(url))
                assert live.find("body", data_recording="running")
                assert live.find(class_="incident", data_code="NOT_LEADER_OR_FOLLOWER")
                assert live.find("tr", data_scenario="page-slow", data_state="running")
                status, _, body = request(admin, "DELETE", "/api/v1/recordings")
                assert status == 200, body
            finally:
                a.stop()
                b.stop()

            # ---- the finished recording, drawn ----
            tl = json.loads(kcmetrics.get(admin, "/api/v1/recordings/timeline"))
            assert tl["recording"]["state"] == "done" and tl["step"] == 1, tl["recording"]
            held = {(p["topic"], p["partition"], w, e["name"]) for p in tl["partitions"]
                    for e in p["errors"] for w, _ in e["cells"]}
            assert held, "the recording holds no error: %s" % json.dumps(tl)[:2000]
            assert {code for *_, code in held} == {"NOT_LEADER_OR_FOLLOWER"}, held
            # push-errors answers the next Produce requests: within a few windows of the push.
            assert all(w_push <= w <= w_push + 3 for _, _, w, _ in held), (w_push, held)
            results = {(p["topic"], p["partition"]) for p in tl["partitions"] if p["results"]}
            assert {("one", 0), ("two", 0), ("two", 1)} <= results, results

            png = str(tmp_path / "timeline.png")
            dom = Dom(browse(url, out_png=png))
            assert dom.find("body", data_recording="done")
            drawn = {(e["data-topic"], int(e["data-partition"]), int(e["data-window"]),
                      e["data-code"]) for e in dom.find("rect", class_="incident")}
            assert drawn == held, (drawn, held)
            for client in ("page-a", "page-b"):
                assert dom.find("tr", data_client=client), "no row for " + client
            for lane in (("one", 0), ("two", 0), ("two", 1)):
                assert dom.find("g", class_="lane-partition", data_topic=lane[0],
                                data_partition=lane[1]), lane
            # Broker 1's latency: each window's p50 and p99 as the recording holds them, and
            # its slow windows well above the rest.
            b1 = [b for b in tl["brokers"] if b["node"] == 1]
            assert b1 and dom.find("g", class_="lane-broker", data_broker=1), tl["brokers"]
            for series, at in (("p50", 2), ("p99", 3)):
                drawn_ms = {int(e["data-window"]): float(e["data-ms"]) for e in
                            dom.find("circle", class_="latency", data_broker=1, data_series=series)}
                assert drawn_ms == {c[0]: c[at] for c in b1[0]["latency"]}, (series, drawn_ms)
            slow = {c[0] for c in b1[0]["latency"] if c[3] >= 50}
            assert slow and all(w_slow <= w <= w_slow + 3 for w in slow), (w_slow, b1)

            # The bands: the recording's own error rule, where the export puts it, and the
            # scenario applied while it ran.
            rec_rules = [r for r in tl["rules"] if r["source"] == "recording"]
            errors = [r for r in rec_rules if r["action"] == "error"]
            assert errors and all("NOT_LEADER_OR_FOLLOWER" in r["what"] for r in errors), rec_rules
            export = yaml.safe_load(kcmetrics.get(admin, "/api/v1/recordings/scenario"))
            exported = {r["name"]: (seconds(r["at"]), seconds(r["at"]) + seconds(r["for"]))
                        for r in export["rules"]}
            assert set(exported) == {r["rule"] for r in rec_rules}, (exported, rec_rules)
            for r in rec_rules:
                assert exported[r["rule"]] == (r["from"], r["to"]), (r, exported)
                band = dom.find("rect", class_="rule-band", data_rule=r["rule"],
                                data_source="recording")
                assert band and (band[0]["data-from"], band[0]["data-to"]) == \
                    (str(r["from"]), str(r["to"])), (r, band)
                assert dom.find("tr", data_rule_row=r["rule"])
            for r in errors:
                assert any(r["from"] <= w < r["to"] for _, _, w, _ in held), (r, held)
            assert any(r["action"] == "latency" and "broker 1" in r["what"] for r in rec_rules), \
                rec_rules
            applied = [r for r in tl["rules"] if r["rule"] == "slow-two"]
            assert len(applied) == 1 and applied[0]["source"] == "scenario", tl["rules"]
            assert applied[0]["scenario"] == "page-slow"
            # 3 s: three windows, or four when it began inside one.
            assert applied[0]["to"] - applied[0]["from"] in (3, 4), applied
            band = dom.find("rect", class_="rule-band", data_rule="slow-two", data_source="scenario")
            assert band and band[0]["data-scenario"] == "page-slow", band

            # A range (#from=&to=, the timeline's own query): the first error window alone.
            w0 = min(w for _, _, w, _ in held)
            part = Dom(browse(url + "#from=%d&to=%d" % (w0, w0 + 1)))
            svg = part.find("svg", id="timeline-svg")
            assert svg and (svg[0]["data-from"], svg[0]["data-to"]) == (str(w0), str(w0 + 1)), svg
            drawn = {(e["data-topic"], int(e["data-partition"]), int(e["data-window"]),
                      e["data-code"]) for e in part.find("rect", class_="incident")}
            assert drawn and drawn == {h for h in held if h[2] == w0}, (drawn, held)
            assert not part.find(class_="results", data_window=w0 + 1), "a window out of range"

            # The screenshot: the window's size, and drawn: a page with a line of text has some
            # 30 colours, this one (text, bars, lines, bands) over 2,000; and the incident is
            # there in red (its cells and its rule's band, #d62728 over white).
            w, h, colours = png_pixels(png)
            assert (w, h) == SIZE, (w, h)
            assert len(colours) >= 500, "the screenshot looks blank: %d colours" % len(colours)
            red = sum(n for c, n in colours.items() if c[0] > 180 and c[1] < 130 and c[2] < 130)
            assert red >= 1000, "no incident drawn in red: %d pixels" % red
            keep = os.environ.get("KCHAOS_TIMELINE_PNG")
            if keep:
                shutil.copy(png, keep)


def test_leader_moves(tmp_path):
    """Leaders that move while a recording runs (the mock moves one[0] from broker 1 to 2, then
    to 3, on the test's command): the recording holds each move once, in the window the producer
    learned of it (a new run's Metadata, or the one after the old leader's
    NOT_LEADER_OR_FOLLOWER: within a few windows of the command), the export lists them in its header (a replay moves no leader),
    and the page marks them on the partition's lane."""
    with harness.MockCluster(brokers=3, topics=["one:1"]) as mock:
        mock.ctl("set-leader one 0 1")
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args, log_level="info") as kc:
            p = producer(kc, "one", "mover")
            try:
                harness.wait_for(lambda: any(c["client_id"] == "mover" for c in
                                             kcmetrics.clients(admin)["clients"]), 30, "a producer")
                status, _, body = request(admin, "POST", "/api/v1/recordings")
                assert status == 201, body
                windows = lambda: kcmetrics.recording_windows(admin)  # noqa: E731

                def moves():
                    tl = json.loads(kcmetrics.get(admin, "/api/v1/recordings/timeline"))
                    return [m for q in tl["partitions"] if (q["topic"], q["partition"]) == ("one", 0)
                            for m in q.get("leaders", [])]
                commanded = []
                for to in (2, 3):
                    harness.wait_for(lambda: windows() >= (commanded[-1] + 3 if commanded else 2),
                                     15, "windows before the move")
                    commanded.append(windows() - 1)  # the move falls in this window or later
                    mock.ctl("set-leader one 0 %d" % to)
                    harness.wait_for(lambda: any(m[2] == to for m in moves()), 30,
                                     "the move to broker %d recorded" % to)
                # Something to replay, so that there is an export to carry the moves (each run of
                # the producer is a new process: it starts from fresh Metadata and meets no error).
                mock.ctl("push-errors 0 %d,%d" % (NOT_LEADER, NOT_LEADER))
                harness.wait_for(lambda: '"NOT_LEADER_OR_FOLLOWER"' in kcmetrics.get(
                    admin, "/api/v1/recordings/timeline"), 30, "the errors recorded")
                status, _, body = request(admin, "DELETE", "/api/v1/recordings")
                assert status == 200, body
            finally:
                p.stop()
            got = moves()
            print("commanded in windows %s; recorded %s" % (commanded, got))
            assert [(f, t) for _, f, t in got] == [(1, 2), (2, 3)], got
            for (w, _, _), c in zip(got, commanded):
                assert c <= w <= c + 3, (got, commanded)

            export = kcmetrics.get(admin, "/api/v1/recordings/scenario")
            for w, f, t in got:
                line = "# window %d: one[0] led by broker %d, then %d\n" % (w, f, t)
                assert line in export, export
            assert "leader: none" not in export and "\n    leader:" not in export, export

            dom = Dom(browse("http://127.0.0.1:%d/ui" % admin))
            drawn = {(int(e["data-window"]), int(e["data-from"]), int(e["data-to"]))
                     for e in dom.find("g", class_="leader-move", data_topic="one",
                                       data_partition=0)}
            assert drawn == {tuple(m) for m in got}, (drawn, got)


def test_page_with_an_admin_token(tmp_path):
    """With --admin-token the page itself is served without the token (it holds no data), and
    draws the producers only when given the token in its fragment (/ui#token=T), which it sends
    to the API; without it the page says it is unauthorized and draws nothing."""
    token = tmp_path / "token"
    token.write_text("page-t0ken\n")
    with harness.MockCluster(brokers=1, topics=["one:1"]) as mock:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args + ["--admin-token", str(token)],
                            log_level="info") as kc:
            assert request(admin, "GET", "/api/v1/clients")[0] == 401
            served_page(admin)
            p = producer(kc, "one", "page-token")
            try:
                def clients():
                    _, _, body = request(admin, "GET", "/api/v1/clients",
                                         headers={"Authorization": "Bearer page-t0ken"})
                    return {x["client_id"] for x in json.loads(body)["clients"]}
                harness.wait_for(lambda: "page-token" in clients(), 30, "the producer")
                url = "http://127.0.0.1:%d/ui" % admin
                dom = Dom(browse(url + "#token=page-t0ken"))
                assert dom.find("tr", data_client="page-token"), "no producer drawn with the token"
                assert not dom.find(class_="err"), "the page reports a problem with the token"
                dom = Dom(browse(url))
                assert not dom.find("tr", data_client="page-token"), "drawn without the token"
                assert dom.find(id="status", class_="err"), "no problem reported without the token"
            finally:
                p.stop()


def webdriver(download_dir):
    """Debian's chromium driven through chromedriver (python3-selenium), headless, cut off from
    any network but loopback, saving downloads to download_dir without asking."""
    from selenium import webdriver as wd
    from selenium.webdriver.chrome.service import Service
    opts = wd.ChromeOptions()
    opts.binary_location = chromium()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-extensions", "--disable-sync", "--disable-background-networking",
              NO_NETWORK, "--window-size=%d,%d" % SIZE):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                           "download.prompt_for_download": False})
    driver = shutil.which("chromedriver")
    assert driver, "chromedriver is not installed (.ci/apt-packages, test line: chromium-driver)"
    return wd.Chrome(service=Service(driver), options=opts)


def test_record_from_the_page(tmp_path):
    """The page's own controls, clicked in a real browser with --admin-token (the page sends the
    token from its fragment): Start records with the duration and topic typed in (kchaos's
    GET /api/v1/recordings says so), the incident is drawn while it runs, Stop ends it, and
    "Download as a scenario" saves exactly what GET /api/v1/recordings/scenario answers, which
    `kchaos check-scenario` accepts, and zoomed to a range of windows the range alone. A refusal (Start with a duration kchaos cannot read) shows
    kchaos's own reason on the page."""
    from selenium.webdriver.common.by import By
    token = tmp_path / "token"
    token.write_text("rec-t0ken\n")
    auth = {"Authorization": "Bearer rec-t0ken"}

    def api(method, path):
        status, _, body = request(admin, method, path, headers=auth)
        return status, body.decode()

    def state():
        status, body = api("GET", "/api/v1/recordings")
        assert status == 200, body
        return json.loads(body)

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with harness.MockCluster(brokers=3, topics=["one:1"]) as mock:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args + ["--admin-token", str(token)],
                            log_level="info") as kc:
            p = producer(kc, "one", "page-rec")
            browser = webdriver(downloads)
            try:
                at = lambda id_: browser.find_element(By.ID, id_)  # noqa: E731
                body = lambda k: browser.find_element(By.TAG_NAME, "body").get_attribute(k)  # noqa: E731,E501
                browser.get("http://127.0.0.1:%d/ui#token=rec-t0ken" % admin)
                harness.wait_for(lambda: body("data-recording") == "none", 20, "the page idle")
                assert at("rec-start").is_displayed() and not at("rec-stop").is_displayed()
                assert not at("rec-export").is_displayed(), "a download with nothing recorded"

                # A refusal: kchaos's reason on the page, nothing started.
                at("rec-for").clear()
                at("rec-for").send_keys("soon")
                at("rec-start").click()
                harness.wait_for(lambda: "not a duration" in at("rec-msg").text, 20,
                                 "kchaos's reason on the page")
                assert "err" in at("rec-msg").get_attribute("class")
                assert state()["state"] == "idle", state()

                at("rec-for").clear()
                at("rec-for").send_keys("90s")
                at("rec-topic").send_keys("one")
                at("rec-start").click()
                harness.wait_for(lambda: state()["state"] == "running", 20, "a recording")
                st = state()
                assert st["for_s"] == 90 and st["topic"] == "one", st
                harness.wait_for(lambda: at("rec-stop").is_displayed(), 20, "the Stop button")
                assert not at("rec-start").is_displayed() and at("rec-for").get_attribute("disabled")

                harness.wait_for(lambda: state()["windows"] >= 2, 10, "two windows")
                mock.ctl("push-errors 0 %s" % ",".join([str(NOT_LEADER)] * 4))
                harness.wait_for(lambda: browser.find_elements(
                    By.CSS_SELECTOR, "rect.incident[data-code=NOT_LEADER_OR_FOLLOWER]"), 30,
                    "the incident drawn while recording")
                at("rec-stop").click()
                harness.wait_for(lambda: state()["state"] == "done", 20, "the recording stopped")
                harness.wait_for(lambda: body("data-recording") == "done", 20, "the page done")

                at("rec-export").click()
                saved = downloads / "kchaos-recording.yaml"
                harness.wait_for(saved.exists, 20, "the download")
                status, export = api("GET", "/api/v1/recordings/scenario")
                assert status == 200, export
                assert saved.read_text() == export, "the download is not the export"
                assert "NOT_LEADER_OR_FOLLOWER" in export, export
                chk = harness.kchaos_cli("check-scenario", saved)
                assert chk.returncode == 0, chk.stdout + chk.stderr
                assert "kchaos --scenario" in at("rec-msg").text

                # Zoomed to the errors' windows (#from=&to=), the download is that range alone,
                # moved to start at 0: the admin API's export of the same range.
                status, body = api("GET", "/api/v1/recordings/timeline")
                w = min(c[0] for q in json.loads(body)["partitions"] for e in q["errors"]
                        for c in e["cells"])
                browser.get("http://127.0.0.1:%d/ui#token=rec-t0ken&from=%d&to=%d"
                            % (admin, w, w + 2))
                label = "Download windows %d-%d as a scenario" % (w, w + 1)
                harness.wait_for(lambda: at("rec-export").text == label, 20, "the range's button")
                at("rec-export").click()
                part = downloads / "kchaos-recording (1).yaml"
                harness.wait_for(part.exists, 20, "the range's download")
                status, export = api("GET", "/api/v1/recordings/scenario?from=%d&to=%d"
                                     % (w, w + 2))
                assert status == 200 and part.read_text() == export, export
                assert "# Windows %d-" % w in export and "    at: 0s\n" in export, export
            finally:
                browser.quit()
                p.stop()
