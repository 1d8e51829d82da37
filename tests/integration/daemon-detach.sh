#!/usr/bin/env bash
# hvmlinkd without --foreground: the starting process exits 0 only once the
# daemon is ready; the pid file names the daemon and goes away with it; and
# systemd's readiness protocol ($NOTIFY_SOCKET, Type=notify) hears READY=1
# then STOPPING=1.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
e2e_sim_start
dir=$(xs_test_dir)
pidfile=$dir/hvmlinkd.pid

# A stand-in for systemd's notification socket: print every datagram.
export NOTIFY_SOCKET=$dir/notify.sock
python3 - "$NOTIFY_SOCKET" >"$dir/notify.out" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".bound", "w").close()
s.settimeout(float(sys.argv[2]) if len(sys.argv) > 2 else 120.0)
while True:
    msg = s.recv(4096).decode()
    print(msg, flush=True)
    if "STOPPING=1" in msg:
        break
PY
listener=$!
xs_atexit "kill $listener 2>/dev/null"
for _ in $(seq 200); do [ -e "$NOTIFY_SOCKET.bound" ] && break; sleep 0.05; done
[ -e "$NOTIFY_SOCKET.bound" ] || { echo "notify listener did not start"; exit 1; }

# Detached, the daemon would log to syslog: E2E_DETACH keeps it on stderr.
E2E_DETACH=1 e2e_sim_run detach --domid 5 --vcpus 2 --pid-file "$pidfile" -- \
	--pid-file "$pidfile" || exit 1

wait "$listener" || { echo "FAIL: notify listener: no STOPPING=1"; cat "$dir/notify.out"; exit 1; }
if [ "$(grep -c . "$dir/notify.out")" -ne 2 ] ||
   [ "$(sed -n 1p "$dir/notify.out")" != READY=1 ] ||
   [ "$(sed -n 2p "$dir/notify.out")" != STOPPING=1 ]; then
	echo "FAIL: systemd notifications were:"; cat "$dir/notify.out"
	exit 1
fi
echo "ok: systemd heard READY=1, then STOPPING=1"
