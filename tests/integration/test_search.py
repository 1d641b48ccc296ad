#!/usr/bin/python3
"""`run --search ndr-pdr` on kernel-udp (paced udp-socket generator) and xdp-pass (paced
xdp-live) in fresh namespaces: the search record is consistent with its own trials, a
verification run at the reported NDR loses at most the PDR goal by the DUT's own UDP
counters, and a run at 1.2 x PDR loses more than the goal (or the search said the generator
could not offer that). Then `--repeat`: repetitions interleave and every metric carries
its values."""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import assert_clean_host, check, require_root, run, validate  # noqa: E402

# --pdr-loss 5 (percent), not the default 0.5: on these 2-core machines the 0.5 % point lies
# in the scheduling noise (a sink descheduled for a few ms drops a burst at any load), so a
# trial at 1.2 x PDR(0.5 %) loses more than 0.5 % only about as often as not. 5 % is loss the
# load causes. NDR is still verified against 0.5 %.
PDR_LOSS = 0.05
NDR_VERIFY_LOSS = 0.005
WIDTH = 0.02      # --search-width 2: a coarse goal keeps the test short


def kernel_loss(trial):
    """Loss by the DUT's UDP counters (datagrams the sockets took), not by the sink."""
    delivered = trial["kernel"]["dut_udp_in_datagrams"]
    return (trial["sent"] - delivered) / trial["sent"], delivered


# A large socket buffer on the paths that end in UDP sockets: the senders (sendmmsg batches,
# paced xdp-live's BPF_PROG_RUN batches) are bursty, and with the default rcvbuf a burst
# that meets a descheduled sink overflows it (SOCKET_RCVBUFF) at any load, so loss there
# follows the host's noise, not the load; the search then reports a low, noisy NDR/PDR (true,
# but nothing to verify at 1.2 x PDR). 2 MB absorbs a burst (a few thousand frames), not a
# second of overload; the limit is then the sink's or the generator's (the generator-bound
# branch below; kernel-udp's udp-socket generator usually ends there, xdp-pass's xdp-live in
# the loses-more one).
EXTRA = {"kernel-udp": ["--rcvbuf", "2097152"], "xdp-pass": ["--rcvbuf", "2097152"]}
# The search's final trials and the verification runs last as long: a buffer that hides a
# sustained overload for a short trial would not hide it for a longer one.
DURATION = "1"


def fixed_rate(tmp, path, rate, trials):
    out = os.path.join(tmp, f"{path}-{rate}.json")
    run(["run", "--path", path, "--rate", str(rate), "--duration", DURATION, "--trials", str(trials), "--probes", "none",
         "-o", out, *EXTRA[path]], check_rc=0)
    with open(out) as f:
        sc = json.load(f)["scenarios"][0]
    check(sc["status"] == "ok", f"{path} at {rate}: {sc.get('reason')}")
    return sc


def check_search(tmp, path):
    out = os.path.join(tmp, f"{path}-search.json")
    p = run(["run", "--path", path, "--search", "ndr-pdr", "--duration", DURATION, "--pdr-loss", str(100 * PDR_LOSS),
             "--search-width", str(100 * WIDTH), "--probes", "default", "-o", out, *EXTRA[path]], check_rc=0)
    with open(out) as f:
        report = json.load(f)
    validate(report)
    check(len(report["scenarios"]) == 1, f"{path}: one scenario expected (a search ignores the rate list)")
    sc = report["scenarios"][0]
    check(sc["status"] == "ok", f"{path}: {sc.get('reason')}")
    check("rate=" not in sc["name"], f"{path}: a search's name carries no rate: {sc['name']}")
    s = sc["throughput"]["search"]
    ndr, pdr = s["ndr"], s["pdr"]
    print(f"{path}: NDR {ndr} PDR {pdr} trials {s['trial_count']} in {s['search_time_s']:.1f} s, "
          f"generator_bound {s['generator_bound']}")
    check(s["pdr_loss"] == PDR_LOSS and abs(s["width"] - WIDTH) < 1e-9, f"{path}: goal attributes {s}")
    check(s["trials"][0]["role"] == "warmup", f"{path}: the first trial is the warm-up")
    check(s["trial_count"] == len(s["trials"]) - 1, f"{path}: trial_count {s['trial_count']}")
    for t in s["trials"]:
        # A batch may overshoot the last tick (xdp-live sends whole BPF_PROG_RUN batches).
        check(t["sent"] <= 1.001 * t["intended"] + 512 or t["role"] == "warmup", f"{path}: sent above intended: {t}")
        if t["sent"]:
            loss = abs(t["sent"] - t["delivered"]) / t["sent"]
            check(abs(t["loss_ratio"] - loss) < 1e-9, f"{path}: trial loss {t['loss_ratio']} != {loss}")
        if t["role"] == "search":
            check(s["min_load_pps"] <= t["offered_pps"] <= s["max_load_pps"], f"{path}: load outside [min, max]: {t}")
    check(ndr["lower_bound_pps"] is not None and pdr["lower_bound_pps"] is not None, f"{path}: no lower bound")
    check(pdr["lower_bound_pps"] >= ndr["lower_bound_pps"], f"{path}: RLB(PDR) < RLB(NDR)")
    for g in (ndr, pdr):
        if g["upper_bound_pps"] is not None and g["regular"]:
            check(g["width"] <= WIDTH + 1e-9, f"{path}: width {g['width']} above the goal {WIDTH}")
    th = sc["throughput"]
    check(th["ndr_pps"] == ndr["conditional_pps"] and th["pdr_pps"] == pdr["conditional_pps"], f"{path}: {th}")
    roles = [t.get("role") for t in sc["trials"]]
    check("at_ndr" in roles, f"{path}: no trial at NDR: {roles}")
    at_ndr = sc["trials"][roles.index("at_ndr")]
    check("stages" in at_ndr and "drops" in at_ndr, f"{path}: the trial at NDR lacks the inside view")
    fr = sc["latency_at_fraction"]
    check([f["fraction"] for f in fr] == [0.1, 0.5, 0.9], f"{path}: fractions {fr}")
    for f in fr:
        check(abs(f["offered_pps"] - f["fraction"] * th["pdr_pps"]) <= 1, f"{path}: load at {f}")
        check(f["latency"]["count"] > 0, f"{path}: no latency at {f['fraction']}")

    # Verification by the kernel's counters: at NDR at most 0.5 % is lost (best of
    # two trials: one noisy second on a 2-core machine is not the search's fault).
    ndr_load = int(th["ndr_pps"])
    v = fixed_rate(tmp, path, ndr_load, 2)
    losses = [kernel_loss(t)[0] for t in v["trials"]]
    print(f"{path}: at NDR {ndr_load} pps kernel-counted loss {losses}")
    check(min(losses) <= NDR_VERIFY_LOSS, f"{path}: loss {losses} at NDR {ndr_load} above {NDR_VERIFY_LOSS}")
    # At 1.2 x PDR the path loses more than the goal. Unless the search said the generator
    # set the bound: then its own trials at and above the PDR upper bound (or at max load,
    # when that was a lower bound) must show the generator falling short (unsent above the
    # tolerance), and the claim at 1.2 x PDR is not the path's to make.
    if s["generator_bound"]:
        edge = pdr["upper_bound_pps"] or s["max_load_pps"]
        short = [t for t in s["trials"] if t["role"] == "search" and t["offered_pps"] >= edge and t["generator_bound"]]
        no_rub = pdr["upper_bound_pps"] is None or ndr["upper_bound_pps"] is None
        check(short or no_rub, f"{path}: generator-bound, but no generator-bound trial at or above {edge}")
        print(f"{path}: generator-bound at {edge} pps ({len(short)} trials short of their load)")
        return
    # Two trials, the lossier counts: a quiet second is as common here as a lossy one. Where
    # the loss curve is shallow at the goal (xdp-pass: socket-buffer loss that moves with the
    # sink thread's share of 2 CPUs; once seen at 4.96 % for a 5 % goal at 1.2 x), 1.5 x PDR
    # must be above it.
    for factor in (1.2, 1.5):
        above = int(factor * th["pdr_pps"])
        a = fixed_rate(tmp, path, above, 2)
        t = max(a["trials"], key=lambda t: kernel_loss(t)[0])
        offered = t["sent"] / t["duration_s"]
        loss, _ = kernel_loss(t)
        print(f"{path}: at {factor} x PDR {above} pps sent {offered:.0f} pps, kernel-counted loss {loss:.4f}")
        if loss > PDR_LOSS:
            return
    # No more loss than the goal: only acceptable where the generator could not offer the
    # load, and the search's record says so (its max load, what the generator offered flat
    # out, is below it).
    check(offered < 0.98 * above, f"{path}: loss {loss} at 1.5 x PDR ({offered:.0f} pps offered) not above the goal")
    check(above > s["max_load_pps"], f"{path}: the generator offered {offered:.0f} of {above} pps, but the search's "
                                     f"max load {s['max_load_pps']} says it could")


def check_repeat(tmp):
    out = os.path.join(tmp, "repeat.json")
    p = run(["run", "--path", "xdp-drop,kernel-udp", "--rate", "20k", "--duration", "0.3", "--repeat", "3",
             "--probes", "none", "-o", out], check_rc=0)
    with open(out) as f:
        report = json.load(f)
    validate(report)
    # Interleaved: A B A B A B in the progress lines (stderr is not a TTY here).
    order = re.findall(r"info: \[(\d+/\d+ rep \d+/\d+)\] \S+ \(", p.stderr)
    check(order == ["1/2 rep 1/3", "2/2 rep 1/3", "1/2 rep 2/3", "2/2 rep 2/3", "1/2 rep 3/3", "2/2 rep 3/3"],
          f"repetitions not interleaved: {order}")
    for sc in report["scenarios"]:
        r = sc["repetitions"]
        check(r["count"] == 3 and r["failed"] == [], f"{sc['name']}: {r}")
        rx = r["metrics"]["throughput.rx_pps"]
        check(len(rx["values"]) == 3 and rx["min"] <= rx["median"] <= rx["max"], f"{sc['name']}: {rx}")
        check(sc["throughput"]["rx_pps"] == rx["median"], f"{sc['name']}: the record is not the median repetition's")
        check(sorted({t["repetition"] for t in sc["trials"]}) == [0, 1, 2], f"{sc['name']}: trial repetitions")
        if sc["path"] == "kernel-udp":
            for t in sc["trials"]:
                _, delivered = kernel_loss(t)
                check(t["delivered"] == delivered, f"trial delivered {t['delivered']} != InDatagrams {delivered}")


require_root()
assert_clean_host()
with tempfile.TemporaryDirectory() as tmp:
    check_repeat(tmp)
    for path in ("kernel-udp", "xdp-pass"):
        check_search(tmp, path)
assert_clean_host()
print("ok")
