#!/usr/bin/env python3
"""Run a pytest command that must FAIL (a test against a deliberately broken kchaos):
exit 0 only if pytest exits 1 (tests failed) and every test it ran failed on an assertion;
anything else -- a pass, a skip, an error in setup, a crash of pytest -- exits 1."""
import re
import subprocess
import sys

r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
out = r.stdout + r.stderr
tail = out.strip().splitlines()[-1] if out.strip() else ""
print(out[-6000:])
counts = dict((k, int(n)) for n, k in re.findall(r"(\d+) (passed|failed|skipped|error|errors)", tail))
ok = (r.returncode == 1 and counts.get("failed", 0) > 0
      and not counts.get("passed") and not counts.get("skipped")
      and not counts.get("error") and not counts.get("errors"))
print("expect_fail: pytest exit %d, %s: %s" % (r.returncode, counts or tail,
      "every test failed, as it must against this broken build" if ok else
      "NOT the expected failure"))
sys.exit(0 if ok else 1)
