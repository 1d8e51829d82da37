# shellcheck shell=sh
# What the chroot-*.sh checks share (pkg_session copies this file into
# every session's /tmp; the checks source it).  POSIX sh: the chroots
# are minimal Debian 12 systems.

step() { printf '\n--- %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }

# files_present PACKAGE: every path dpkg lists for PACKAGE exists.
files_present() {
	dpkg -L "$1" | while read -r f; do
		[ -e "$f" ] || fail "$f is listed by dpkg but missing"
	done
}

# libraries_resolve PACKAGE: its ELF programs find every shared library.
libraries_resolve() {
	for f in $(dpkg -L "$1" | grep -E '^/usr/s?bin/|^/usr/libexec/'); do
		[ -f "$f" ] || continue
		if head -c 4 "$f" | grep -q ELF; then
			! ldd "$f" | grep 'not found' || fail "$f: unresolved libraries"
		fi
	done
}

# programs_run PACKAGE: each program PACKAGE installs in a bin directory
# answers --version with status 0 and the package's upstream version
# (every binary has --version, D6): proof that it runs where installed.
programs_run() {
	want=$(dpkg-query -W -f='${Version}' "$1" | sed 's/-[^-]*$//')
	n=0
	for f in $(dpkg -L "$1" | grep -E '^/usr/s?bin/.'); do
		out=$("$f" --version) || fail "$f --version exited $?"
		echo "$f --version: $(echo "$out" | head -n 1)"
		echo "$out" | grep -qF "$want" || fail "$f --version does not name version $want"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "$1 installs no program"
}

# purge_clean PACKAGE: apt-get purge leaves none of its files behind.
purge_clean() {
	files=$(dpkg -L "$1" | grep -v '^/\.$')
	apt-get purge -y -q "$1"
	for f in $files; do
		[ -d "$f" ] && continue
		[ ! -e "$f" ] || fail "$f is still there after purge"
	done
}
