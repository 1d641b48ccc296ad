"""Shared by the `pathbench probe` tests: a throwaway named netns per check, a tool started in
the background until it says it is tracing, and its JSON lines validated against
reports/schema/tools.schema.json."""
import json
import os
import subprocess
import sys

import jsonschema

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import PATHBENCH, check  # noqa: E402

TOOLS_SCHEMA = os.path.join(os.environ.get("PB_SOURCE_ROOT", "."), "reports", "schema", "tools.schema.json")
with open(TOOLS_SCHEMA) as f:
    SCHEMA = json.load(f)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
TAG = f"pbtool-{os.getpid()}"  # every netns a tool test makes starts with this


def json_lines(text, what):
    """Every stdout line is one JSON object valid under the tools schema."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise AssertionError(f"{what}: stdout line {n} is not JSON ({e}): {line[:200]!r}")
        errors = sorted(VALIDATOR.iter_errors(obj), key=lambda e: e.path)
        check(not errors, f"{what}: line {n} breaks the schema: {[e.message for e in errors[:3]]}\n{line[:400]}")
        out.append(obj)
    return out


class Netns:
    """A throwaway named netns with loopback up; deleted by close()."""

    def __init__(self, suffix):
        self.name = f"{TAG}-{suffix}"
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)
        self.inode = os.stat(f"/run/netns/{self.name}").st_ino

    def cmd(self, *args):
        return ["ip", "netns", "exec", self.name, *args]

    def udp_noports(self):
        """Udp NoPorts from /proc/net/snmp read inside the netns."""
        text = subprocess.run(self.cmd("cat", "/proc/net/snmp"), capture_output=True, text=True, check=True).stdout
        rows = [line.split() for line in text.splitlines() if line.startswith("Udp:")]
        return int(dict(zip(rows[0][1:], rows[1][1:]))["NoPorts"])

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name], check=False)


class Tool:
    """`pathbench probe ARGS` in the background, stdout to a file; started() returns once
    the tool says it is tracing (everything attached)."""

    def __init__(self, args, tmp):
        self.args = args
        self.out_path = os.path.join(tmp, f"out-{len(os.listdir(tmp))}")
        self.out = open(self.out_path, "w")
        self.proc = subprocess.Popen([PATHBENCH, "probe", *args], stdout=self.out, stderr=subprocess.PIPE, text=True)
        self.err = ""
        while True:
            line = self.proc.stderr.readline()
            if not line:
                self.proc.wait()
                raise AssertionError(f"probe {args}: exit {self.proc.returncode} before tracing:\n{self.err}")
            self.err += line
            if "tracing" in line:
                break

    def finish(self, sig=None, timeout=30):
        if sig:
            self.proc.send_signal(sig)
        _, rest = self.proc.communicate(timeout=timeout)
        self.err += rest
        self.out.close()
        with open(self.out_path) as f:
            text = f.read()
        check(self.proc.returncode == 0, f"probe {self.args}: exit {self.proc.returncode}\n{self.err}\n{text[-2000:]}")
        return text


def leftover_netns():
    """This test's netns still present (each check must delete its own)."""
    return [n for n in os.listdir("/run/netns") if n.startswith(TAG)]
