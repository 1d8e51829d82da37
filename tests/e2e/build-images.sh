#!/usr/bin/env bash
# Cut the images of one e2e run out of the cached chroot.
#
#   build-images.sh base ROOTFS KERNEL_RELEASE
#       Cached (in $HVMLINK_CACHE/e2e/images-<hash>): xen.elf (the gunzipped
#       hypervisor: QEMU's multiboot loader only takes the ELF), dom0-vmlinuz,
#       dom0-base.cpio (the chroot without docs, apt lists, /boot and all but
#       the Xen modules, plus the guest kernel), guest-base/ (busybox-static).
#       Prints the directory.
#
#   build-images.sh run IMAGES RUNDIR
#       Per run, cheap: guest.cpio (xz; guest-base + the project's guest pieces)
#       and dom0.cpio (dom0-base.cpio followed by a small second archive
#       with /init, the autotest, the project's host binaries and
#       guest.cpio; the kernel unpacks concatenated archives in order).
#       The project's pieces come from the environment, every one optional:
#       E2E_HOST_DEB (Dom0 installs it with dpkg -i, the autotest's first
#       step) or else E2E_HVMLINKD E2E_HVMLINKCTL E2E_WRAPPER (build-tree
#       copies), E2E_PROBE (Dom0); E2E_GUEST_DEB (its agent and CLI) or
#       else E2E_AGENT E2E_CLI, E2E_MODULE E2E_FAIR_BENCH (guest).  A
#       missing piece is left out and the scenario reports the steps that
#       need it as failed.
set -euo pipefail
. "$(dirname "$0")/e2e-lib.sh"

# Copy an ELF program and every shared library it loads (as ldd on this
# machine resolves them: the program was linked here) into ROOT.
# Libraries already in REUSE (a root the archive is stacked on) are skipped.
copy_with_libs() {
	local root=$1 prog=$2 dest=$3 reuse=${4:-} lib real
	install -D -m 755 "$prog" "$root$dest"
	for lib in $(ldd "$prog" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
		# Merged /usr: place libraries under their /usr path so that a
		# stacked archive never turns the base's /lib symlink into a dir.
		real=$(readlink -f "$lib")
		case $lib in /lib/* | /lib64/*) lib=/usr$lib ;; esac
		[ -n "$reuse" ] && [ -e "$reuse$lib" ] && continue
		[ -e "$root$lib" ] || install -D -m 755 "$real" "$root$lib"
	done
}

# A libtool wrapper script stands in for the real program in a build tree.
real_program() {
	local p=$1 d b
	d=$(dirname "$p"); b=$(basename "$p")
	if head -c 4 "$p" | grep -q ELF; then echo "$p"
	elif [ -x "$d/.libs/$b" ]; then echo "$d/.libs/$b"
	elif [ -x "$d/.libs/lt-$b" ]; then echo "$d/.libs/lt-$b"
	else echo "$p"
	fi
}

cpio_of() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet); }

images_base() {
	local rootfs=$1 krel=$2 key dest
	key=$( { cat "$0"; echo "$rootfs" "$krel"; } | e2e_hash)
	dest="$e2e_cache/images-$key"
	if [ -f "$dest/.e2e-complete" ]; then echo "$dest"; return 0; fi
	tmp="$dest.tmp.$$"
	rm -rf "$tmp"; mkdir -p "$tmp/extra/e2e" "$tmp/guest-base"
	trap 'rm -rf "$tmp"' EXIT

	e2e_say "cutting images out of $rootfs"
	gzip -dc "$rootfs/boot/xen-4.17-amd64.gz" >"$tmp/xen.elf"
	cp "$rootfs/boot/vmlinuz-$krel" "$tmp/dom0-vmlinuz"

	# Dom0 root: everything but docs, apt state, /boot and the modules;
	# only the Xen driver modules come back (the rest is built in or
	# unused: the guest has no disk and no network).
	(
		cd "$rootfs"
		find . -mindepth 1 \( -path ./usr/share/doc -o -path ./usr/share/man \
			-o -path ./usr/share/locale -o -path ./usr/share/info \
			-o -path ./var/lib/apt/lists -o -path ./var/cache/apt \
			-o -path ./var/cache/debconf -o -path ./boot \
			-o -path ./usr/lib/modules -o -name .e2e-complete \) -prune -o -print
		echo ./usr/lib/modules
		echo "./usr/lib/modules/$krel"
		find "./usr/lib/modules/$krel" -maxdepth 1 -type f
		echo "./usr/lib/modules/$krel/kernel"
		echo "./usr/lib/modules/$krel/kernel/drivers"
		find "./usr/lib/modules/$krel/kernel/drivers/xen"
	) | (cd "$rootfs" && cpio -o -H newc --quiet) >"$tmp/dom0-base.cpio"
	cp "$rootfs/boot/vmlinuz-$krel" "$tmp/extra/e2e/guest-vmlinuz"
	cpio_of "$tmp/extra" >>"$tmp/dom0-base.cpio"
	rm -rf "$tmp/extra"

	# Guest root: busybox-static only.  No pciutils: its lspci brings
	# libkmod and libcrypto (6 MB), and every byte of the initramfs goes
	# through QEMU's non-DMA fw_cfg on each boot (guest-init.sh reads the
	# PCI devices from sysfs, as lspci does).
	local g="$tmp/guest-base"
	mkdir -p "$g"/{bin,sbin,dev,proc,sys,run,tmp,etc,usr/bin,usr/lib64}
	cp "$rootfs/bin/busybox" "$g/bin/busybox"
	ln -s busybox "$g/bin/sh"
	ln -s usr/lib "$g/lib"
	ln -s usr/lib64 "$g/lib64"

	# Dom0's libraries: host binaries only bring what this root lacks.
	ln -s "$rootfs" "$tmp/rootfs-ref"
	touch "$tmp/.e2e-complete"
	rm -rf "$dest"; mv "$tmp" "$dest"
	trap - EXIT
	# Images of older inputs are dead weight (~230 MB each).
	find "$e2e_cache" -maxdepth 1 -name 'images-*' ! -name "images-$key" ! -name '*.tmp.*' \
		-exec rm -rf {} +
	echo "$dest"
}

images_run() {
	local images=$1 run=$2 g o f
	g="$run/guest-root"; o="$run/dom0-overlay"
	rm -rf "$g" "$o"
	cp -a "$images/guest-base" "$g"
	mkdir -p "$g/e2e" "$o/e2e" "$o/usr/local/sbin" "$o/usr/local/bin"

	install -m 755 "$e2e_dir/guest-init.sh" "$g/init"
	install -m 755 "$e2e_dir/guest-display-hook.sh" "$g/e2e/display-hook.sh"
	if [ -n "${E2E_MODULE:-}" ]; then install -m 644 "$E2E_MODULE" "$g/e2e/hvmlink.ko"; fi
	if [ -n "${E2E_GUEST_DEB:-}" ]; then
		# This guest has no dpkg (busybox, loaded byte by byte through
		# fw_cfg): the package's own agent and CLI, at the package's
		# paths, with their libraries; its units, udev rule and
		# autostart entry have no init here to use them (docs/e2e.md).
		local x="$run/guest-deb"
		rm -rf "$x"
		dpkg-deb -x "$E2E_GUEST_DEB" "$x"
		for f in usr/sbin/hvmlink-agent usr/bin/hvmlink; do
			[ -x "$x/$f" ] || e2e_die "$E2E_GUEST_DEB has no /$f"
			copy_with_libs "$g" "$x/$f" "/$f"
		done
		rm -rf "$x"
	else
		if [ -n "${E2E_AGENT:-}" ]; then copy_with_libs "$g" "$(real_program "$E2E_AGENT")" /usr/bin/hvmlink-agent; fi
		if [ -n "${E2E_CLI:-}" ]; then copy_with_libs "$g" "$(real_program "$E2E_CLI")" /usr/bin/hvmlink; fi
	fi
	if [ -n "${E2E_FAIR_BENCH:-}" ]; then copy_with_libs "$g" "$(real_program "$E2E_FAIR_BENCH")" /usr/bin/hvmlink-fair-bench; fi
	# Small: the guest loads its kernel and initramfs through QEMU's
	# fw_cfg, which for Xen has no DMA (one port access per byte), so
	# every byte saved shortens each boot (docs/e2e.md).  Stripped (the
	# module of its debug info), and xz (the kernel wants the CRC32 check).
	find "$g" -type f -name '*.ko' -exec strip --strip-debug {} +
	find "$g" -type f ! -name '*.ko' -exec sh -c \
		'for f; do head -c 4 "$f" | grep -q ELF && strip --strip-unneeded "$f"; done; true' _ {} +
	cpio_of "$g" | xz -9 --check=crc32 >"$run/guest.cpio"

	install -m 755 "$e2e_dir/dom0-init.sh" "$o/init"
	install -m 755 "$e2e_dir/dom0-autotest.sh" "$o/e2e/autotest.sh"
	install -m 644 "$e2e_dir/dom0-lifecycle.sh" "$o/e2e/lifecycle.sh"
	if [ -n "${E2E_HOST_DEB:-}" ]; then
		# Installed by Dom0 itself (dom0-autotest.sh, step host-package):
		# hvmlinkd, hvmlinkctl, the wrapper and its configuration come
		# from the package and nowhere else.
		install -D -m 644 "$E2E_HOST_DEB" "$o/e2e/debs/$(basename "$E2E_HOST_DEB")"
	elif [ -n "${E2E_WRAPPER:-}" ]; then
		# --build-tree: the toolstack hook where the package puts it,
		# so that the guest's config carries the very line
		# docs/admin.md gives; this Dom0 has no systemd, so the wrapper
		# starts the build's hvmlinkd itself.
		install -D -m 755 "$E2E_WRAPPER" "$o/usr/libexec/hvmlink/qemu-wrapper"
		# The configuration file the build baked into the wrapper
		# (configure's sysconfdir), so that the wrapper reads this one.
		local conf
		conf=$(sed -n 's/^conf=\${HVMLINK_WRAPPER_CONF:-\(.*\)}$/\1/p' "$E2E_WRAPPER")
		case $conf in
		/*) ;;
		*) e2e_die "no configuration path in $E2E_WRAPPER" ;;
		esac
		install -D -m 644 /dev/null "$o$conf"
		printf '%s\n' '# e2e Dom0: no systemd, the build tree'"'"'s daemon' \
			'START=direct' 'HVMLINKD=/usr/local/sbin/hvmlinkd' >"$o$conf"
	fi
	install -m 644 "$e2e_dir/guest-hvm.cfg" "$o/e2e/guest-hvm.cfg"
	cp "$run/guest.cpio" "$o/e2e/guest.cpio"
	for f in HVMLINKD:hvmlinkd HVMLINKCTL:hvmlinkctl PROBE:e2e-ioreq-probe; do
		local var="E2E_${f%%:*}" name=${f#*:}
		[ -n "${!var:-}" ] || continue
		[ -z "${E2E_HOST_DEB:-}" ] || [ "$name" = e2e-ioreq-probe ] || continue
		copy_with_libs "$o" "$(real_program "${!var}")" "/usr/local/sbin/$name" "$images/rootfs-ref"
	done
	cp "$images/dom0-base.cpio" "$run/dom0.cpio"
	cpio_of "$o" >>"$run/dom0.cpio"
}

case ${1:-} in
base) shift; images_base "$@" ;;
run) shift; images_run "$@" ;;
*) e2e_die "usage: build-images.sh base ROOTFS KREL | run IMAGES RUNDIR" ;;
esac
