# shellcheck shell=bash
# Shared by run-demo and run-tests: install what the project needs, then
# bootstrap, configure and build into a build directory of its own.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${HVMLINK_JOBS:-2}

# The files of the source tree, NUL-separated, relative to $top: what git
# tracks plus untracked files that are not ignored (a developer's new
# files count, build trees do not).
tree_files() {
	git -C "$top" ls-files -z --cached --others --exclude-standard
}

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Every area lists its packages in scripts/deps.d/*.list; install the
# union.  apt-get is only called when something is missing, so a second
# run on the same machine costs nothing.
install_deps() {
	local pkgs missing=()
	pkgs=$(cat "$top"/scripts/deps.d/*.list | sed 's/#.*//' | tr -s ' \t' '\n' | sort -u)
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		[ "$(id -u)" = 0 ] || die "missing packages (run as root to install them): ${missing[*]}"
		say "installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q || die "apt-get update failed"
		apt-get install -y -q --no-install-recommends "${missing[@]}" ||
			die "apt-get install failed"
	fi
	# The real xenstored, unpacked without installing xen-utils (whose
	# dependencies would pull udev and systemd into a build machine).
	if [ -x "$top/tests/harness/get-xenstored.sh" ]; then
		"$top/tests/harness/get-xenstored.sh" >/dev/null || die "cannot obtain xenstored"
	fi
}

bootstrap() {
	if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ]; then
		say "bootstrapping (autoreconf)"
		(cd "$top" && autoreconf -fi) || die "autoreconf failed"
	fi
}

# configure_dir DIR [configure options...]: configure DIR once per set
# of options.
configure_dir() {
	local dir=$1; shift
	mkdir -p "$dir"
	local want="$*" have=
	[ -f "$dir/.configure-args" ] && have=$(cat "$dir/.configure-args")
	if [ ! -f "$dir/Makefile" ] || [ "$want" != "$have" ]; then
		say "configuring $dir: $want"
		(cd "$dir" && "$top/configure" "$@") || die "configure failed (see $dir/config.log)"
		printf '%s' "$want" >"$dir/.configure-args"
	fi
}

# build DIR [configure options...]: configure_dir, then make everything.
build() {
	local dir=$1
	configure_dir "$@"
	say "building in $dir"
	make -C "$dir" -j"$jobs" || die "build failed in $dir"
}
