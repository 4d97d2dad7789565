"""Test certificates made by the openssl CLI in a temporary directory: a CA, a server
certificate for localhost/127.0.0.1 signed by it, client certificates signed by it, and a
second CA that nobody trusts. EC P-256 keys: fast to make, accepted everywhere."""
import os
import subprocess
import tempfile


def _run(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


class Certs:
    def __init__(self, dirname=None):
        self.dir = dirname or tempfile.mkdtemp(prefix="kchaos-certs-")

    def path(self, name):
        return os.path.join(self.dir, name)

    def ca(self, name, cn):
        """A self-signed CA: NAME.crt, NAME.key."""
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", self.path(name + ".key"), "-out", self.path(name + ".crt"),
             "-days", "2", "-subj", "/CN=" + cn,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return self.path(name + ".crt")

    def leaf(self, name, subject, ca, san=None, client=False, days=2):
        """A certificate NAME.crt/NAME.key signed by CA (a name given to ca())."""
        key, csr, crt = self.path(name + ".key"), self.path(name + ".csr"), self.path(name + ".crt")
        _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", csr, "-subj", subject)
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            f.write("extendedKeyUsage=%s\n" % ("clientAuth" if client else "serverAuth"))
            if san:
                f.write("subjectAltName=%s\n" % san)
        _run("x509", "-req", "-in", csr, "-CA", self.path(ca + ".crt"),
             "-CAkey", self.path(ca + ".key"), "-CAcreateserial", "-out", crt,
             "-days", str(days), "-extfile", ext)
        return crt, key


def make_default(dirname=None):
    """The set the TLS tests use: ca, server (localhost, 127.0.0.1), client (trusted),
    rogue-ca and rogue-client (signed by a CA kchaos does not trust)."""
    c = Certs(dirname)
    c.ca("ca", "kchaos test CA")
    c.leaf("server", "/CN=localhost", "ca", san="DNS:localhost,IP:127.0.0.1")
    c.leaf("client", "/CN=alice/O=kchaos tests", "ca", client=True)
    c.ca("rogue-ca", "someone else's CA")
    c.leaf("rogue-client", "/CN=mallory", "rogue-ca", client=True)
    return c
