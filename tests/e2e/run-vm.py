#!/usr/bin/env python3
"""Boot Xen + Dom0 under QEMU (TCG, emulated SVM) and follow the e2e run.

Reads the serial console (Xen's com1, which also carries Dom0's hvc0),
writes it with host timestamps to RESULTS/serial.log, splits the
artifacts the autotest prints (E2E-FILE-BEGIN/END) into RESULTS/, tracks
stages and scenario steps, enforces a timeout on every wait, and prints
stage timings and the final line "e2e: N passed, N failed".
Exit status: 0 only if every stage and every planned step passed.
Python 3 standard library only.
"""
import argparse
import os
import re
import select
import signal
import subprocess
import sys
import time

# Stages in order; each has a timeout counted from the previous stage.
BOOT_STAGES = [
    ("xen-boot", re.compile(r"\(XEN\).*Freed \d+kB init memory"), "xen_timeout"),
    ("dom0-boot", re.compile(r"^E2E-STAGE dom0 (ok|FAIL)"), "dom0_timeout"),
]
GUEST_STAGES = ["domain-create", "daemon-ready", "guest-boot"]


def qemu_command(a):
    # In a multiboot -initrd list a comma inside a module's command line
    # is written ",,".
    dom0 = "%s %s" % (a.dom0_kernel, a.dom0_append)
    initrd = "%s,%s" % (dom0.replace(",", ",,"), a.initrd)
    return [a.qemu, "-accel", "tcg,thread=multi", "-smp", "2", "-m", str(a.memory),
            "-cpu", "qemu64,+svm,+npt", "-machine", "pc",
            "-display", "none", "-monitor", "none", "-no-reboot",
            "-serial", "mon:stdio" if a.shell else "stdio",
            "-kernel", a.xen, "-append", a.xen_append, "-initrd", initrd]


class Run:
    def __init__(self, a):
        self.a = a
        self.t0 = time.monotonic()
        self.log = open(os.path.join(a.results, "serial.log"), "w", encoding="utf-8", errors="replace")
        self.stage_times = {}        # stage -> seconds since QEMU start
        self.stage_failed = None     # (stage, message)
        self.plan = []
        self.steps = {}              # step -> (result, detail)
        self.step_order = []
        self.artifact = None
        self.done = False
        self.retries = 0
        self.last_progress = self.t0

    def now(self):
        return time.monotonic() - self.t0

    def say(self, msg):
        print("e2e: [%7.1f s] %s" % (self.now(), msg), flush=True)

    def line(self, text):
        self.log.write("[%8.2f] %s\n" % (self.now(), text))
        self.log.flush()
        if self.artifact is not None:
            name, fh = self.artifact
            if text.startswith("E2E-FILE-END "):
                fh.close()
                self.artifact = None
            else:
                fh.write(text + "\n")
            return
        if text.startswith("guest| "):
            # The guest's console, relayed live by the autotest.
            self.last_progress = time.monotonic()
            if text.startswith("guest| E2E-"):
                self.say(text)
            return
        m = re.search(r"E2E-\S.*", text)
        if not m:
            for name, rx, _ in BOOT_STAGES[:1]:
                if name not in self.stage_times and rx.search(text):
                    self.reach(name)
            return
        text = m.group(0)
        self.last_progress = time.monotonic()
        f = text.split()
        tag = f[0]
        if tag == "E2E-FILE-BEGIN" and len(f) > 1:
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", f[1])
            self.artifact = (safe, open(os.path.join(self.a.results, safe), "w",
                                        encoding="utf-8", errors="replace"))
        elif tag == "E2E-STAGE" and len(f) > 2:
            stage, res = f[1], f[2]
            detail = " ".join(x for x in f[3:] if not x.startswith("uptime="))
            if stage == "dom0-kernel":
                return
            if stage == "dom0":
                stage = "dom0-boot"
            if res == "ok":
                self.reach(stage, detail)
            else:
                self.fail(stage, detail)
        elif tag == "E2E-PLAN":
            self.plan = f[1:]
        elif tag == "E2E-STEP" and len(f) > 2:
            name, res = f[1], f[2]
            detail = " ".join(x for x in f[3:] if not x.startswith("uptime="))
            if name not in self.steps:
                self.step_order.append(name)
            self.steps[name] = (res, detail)
            self.say("step %-18s %s  %s" % (name, res, detail[:150]))
        elif tag == "E2E-RETRY":
            self.retries += 1
            self.say(text)
        elif tag in ("E2E-BENCH", "E2E-STATUS", "E2E-INFO", "E2E-LSPCI"):
            self.say(text)
        elif tag in ("E2E-RESULT", "E2E-POWEROFF"):
            self.done = True

    def reach(self, stage, detail=""):
        if stage in self.stage_times:
            return
        self.stage_times[stage] = self.now()
        self.say("stage %s ok %s" % (stage, detail))

    def fail(self, stage, detail):
        if self.stage_failed is None:
            self.stage_failed = (stage, detail)
        self.say("stage %s FAILED: %s" % (stage, detail))

    def current_stage(self):
        for name, _, _ in BOOT_STAGES:
            if name not in self.stage_times:
                return name
        for name in GUEST_STAGES:
            if name not in self.stage_times:
                return name
        return "scenario"


def follow(a, run, proc):
    buf = b""
    fd = proc.stdout.fileno()
    total_deadline = run.t0 + a.timeout
    while True:
        stage = run.current_stage()
        if run.done or run.stage_failed and stage in ("xen-boot", "dom0-boot"):
            return None
        # The timeout of the stage we wait for: boot stages have their own,
        # the autotest must show progress (an E2E line) every stage_timeout.
        if stage == "xen-boot":
            deadline = run.t0 + a.xen_timeout
        elif stage == "dom0-boot":
            deadline = run.t0 + run.stage_times["xen-boot"] + a.dom0_timeout
        else:
            deadline = run.last_progress + a.stage_timeout
        deadline = min(deadline, total_deadline)
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout waiting for stage %s" % stage
        r, _, _ = select.select([fd], [], [], min(left, 5.0))
        if not r:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return "QEMU exited (status %s) during stage %s" % (proc.poll(), stage)
        buf += chunk
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            run.line(raw.decode("utf-8", "replace").rstrip("\r"))


def tail(path, n=25):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read().splitlines()[-n:]
    except OSError:
        return []


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--xen", required=True, help="gunzipped Xen ELF")
    p.add_argument("--dom0-kernel", required=True)
    p.add_argument("--initrd", required=True, help="Dom0 initramfs (cpio)")
    p.add_argument("--xen-append", default="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M "
                   "loglvl=all guest_loglvl=all noreboot console_timestamps=boot")
    p.add_argument("--dom0-append", default="console=hvc0 earlyprintk=xen autotest=1")
    p.add_argument("--memory", type=int, default=3072, help="QEMU RAM in MiB")
    p.add_argument("--results", required=True)
    p.add_argument("--xen-timeout", type=float, default=240)
    p.add_argument("--dom0-timeout", type=float, default=360)
    p.add_argument("--stage-timeout", type=float, default=1800,
                   help="longest silence of the autotest (no E2E line)")
    p.add_argument("--timeout", type=float, default=4500, help="whole boot and run")
    p.add_argument("--shell", action="store_true",
                   help="interactive: QEMU on this terminal, Dom0 shell after the autotest")
    a = p.parse_args()
    os.makedirs(a.results, exist_ok=True)
    cmd = qemu_command(a)
    with open(os.path.join(a.results, "qemu-command.txt"), "w") as fh:
        fh.write(" ".join("'%s'" % c if " " in c else c for c in cmd) + "\n")

    if a.shell:
        print("e2e: interactive run; leave QEMU with Ctrl-A x", flush=True)
        return subprocess.call(cmd)

    run = Run(a)
    run.say("starting QEMU (log: %s)" % os.path.join(a.results, "serial.log"))
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        problem = follow(a, run, proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        run.log.close()

    # ------------------------------------------------------------ report
    print("\ne2e: stage timings (seconds since QEMU start)")
    prev = 0.0
    for name in [s for s, _, _ in BOOT_STAGES] + GUEST_STAGES:
        if name in run.stage_times:
            t = run.stage_times[name]
            print("  %-14s %7.1f  (+%.1f)" % (name, t, t - prev))
            prev = t
    print("  %-14s %7.1f" % ("end", run.now()))
    if run.retries:
        print("e2e: the guest was re-created %d time(s) after dying before its first output"
              % run.retries)

    passed = sum(1 for r, _ in run.steps.values() if r == "PASS")
    failed = sum(1 for r, _ in run.steps.values() if r != "PASS")
    missing = [s for s in run.plan if s not in run.steps]
    failed += len(missing)
    ok = True
    stage = run.stage_failed[0] if run.stage_failed else None
    msg = run.stage_failed[1] if run.stage_failed else ""
    if problem:
        stage, msg, ok = stage or run.current_stage(), problem, False
    if run.stage_failed:
        ok = False
    if not run.plan:
        ok = False
        failed = max(failed, 1)
    if failed:
        ok = False
    if not ok:
        first_bad = next((s for s in run.step_order if run.steps[s][0] != "PASS"), None)
        if stage is None and first_bad:
            stage, msg = "scenario step %s" % first_bad, run.steps[first_bad][1]
        elif stage is None:
            stage, msg = run.current_stage(), "steps not reached: " + " ".join(missing)
        logs = [os.path.join(a.results, "serial.log")]
        if stage in ("guest-boot",) or stage.startswith("scenario"):
            guest = sorted(f for f in os.listdir(a.results) if f.startswith("guest-serial."))
            logs = [os.path.join(a.results, f) for f in guest[-1:]] + logs
        print("\ne2e: FAILED at stage %s: %s" % (stage, msg))
        if missing:
            print("e2e: steps never reached: %s" % " ".join(missing))
        for path in logs:
            print("e2e: last lines of %s:" % path)
            for ln in tail(path):
                print("    " + ln)
    print("e2e: results in %s" % a.results)
    print("e2e: %d passed, %d failed" % (passed, failed))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
