# shellcheck shell=bash
# Shared helpers of the e2e scripts (sourced, never run).

# shellcheck disable=SC2034 # used by the scripts that source this file
e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e_top=$(cd "$e2e_dir/../.." && pwd)
: "${HVMLINK_CACHE:=/var/cache/hvmlink}"
e2e_cache="$HVMLINK_CACHE/e2e"

e2e_say() { printf 'e2e: %s\n' "$*" >&2; }
e2e_die() { printf 'e2e: error: %s\n' "$*" >&2; exit 1; }

# The Debian mirror URI this machine's apt uses for SUITE (bookworm or
# bookworm-security).  Read at run time from the apt sources, in deb822
# (*.sources) or one-line (sources.list) form, so no host name is ever
# written into the project.
e2e_mirror() {
	local suite=$1 f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		# deb822: paragraphs separated by blank lines.
		awk -v want="$suite" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && uris != "" && (" " suites " ") ~ (" " want " "))
					{ split(uris, u, " "); print u[1]; found = 1; exit }
				types = uris = suites = ""
			}
			/^[[:space:]]*#/ { next }
			/^[[:space:]]*$/ { flush(); next }
			/^Types:/  { sub(/^Types:[[:space:]]*/, ""); types = $0 }
			/^URIs:/   { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
			/^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
			END { if (!found) flush() }' "$f" | head -n 1
	done | head -n 1 | grep . && return 0
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		# deb [opts] URI SUITE COMPONENTS...
		sed -E 's/\[[^]]*\]//' "$f" | awk -v want="$suite" \
			'$1 == "deb" && $3 == want { print $2; exit }'
	done | head -n 1 | grep .
}

# Kernel release the guest module was built for: the module's vermagic
# when it exists, else the newest installed linux-headers-*-amd64.
e2e_kernel_release() {
	local ko=$1 rel=
	if [ -n "$ko" ] && [ -f "$ko" ]; then
		rel=$(modinfo -F vermagic "$ko" 2>/dev/null | awk '{print $1}')
	fi
	if [ -z "$rel" ]; then
		rel=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' -printf '%f\n' 2>/dev/null |
			sed 's/^linux-headers-//' | sort -V | tail -n 1)
	fi
	[ -n "$rel" ] || return 1
	echo "$rel"
}

# Short content hash of stdin.
e2e_hash() { sha256sum | cut -c1-16; }
