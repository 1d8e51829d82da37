#!/bin/bash
# Dom0 /init of the e2e VM (no systemd): mount the kernel filesystems,
# load the Xen drivers, start xenstored, xen-init-dom0 and xenconsoled,
# then run /e2e/autotest.sh when the kernel command line has autotest=1,
# and finally a shell on the console when it has shell=1 (else power off).
# Everything printed here reaches the host through hvc0 -> Xen's serial
# -> QEMU's stdio.
export PATH=/usr/lib/xen-4.17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${TERM:-vt100}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
# What udev would add: bash's process substitution needs /dev/fd.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

mark() { echo "E2E-STAGE $1 $2 uptime=$(cut -d' ' -f1 /proc/uptime) ${*:3}"; }
arg() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }

mark dom0-kernel ok
for m in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc; do
	modprobe "$m" 2>/dev/null || echo "e2e: modprobe $m failed (maybe built in)"
done
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen || { mark dom0 FAIL "cannot mount xenfs"; }
mkdir -p /var/run/xen /var/run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen/console
# What the host package's tmpfiles.d entry makes for hvmlinkd.
mkdir -p /run/hvmlink /var/lib/hvmlink/vm

xenstored --pid-file /var/run/xenstored.pid || mark dom0 FAIL "xenstored did not start"
xen-init-dom0 || mark dom0 FAIL "xen-init-dom0 failed"
xenconsoled --pid-file=/var/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console ||
	mark dom0 FAIL "xenconsoled did not start"
if xenstore-read domid >/dev/null 2>&1 && xl info >/tmp/xl-info.txt 2>&1; then
	mark dom0 ok "xen=$(awk '/^xen_version/ {print $3}' /tmp/xl-info.txt)" \
		"caps=\"$(sed -n 's/^virt_caps *: //p' /tmp/xl-info.txt)\""
else
	mark dom0 FAIL "xenstore or xl info does not answer"
	cat /tmp/xl-info.txt
fi

if [ "$(arg autotest)" = 1 ]; then
	bash /e2e/autotest.sh
	echo "E2E-AUTOTEST-EXIT rc=$?"
fi
if [ "$(arg shell)" = 1 ]; then
	echo "e2e: interactive shell on the Dom0 console (exit to power off)"
	setsid -c bash -l
fi
echo "E2E-POWEROFF"
sync
echo o >/proc/sysrq-trigger
sleep 5
poweroff -f
