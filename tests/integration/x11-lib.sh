# shellcheck shell=bash
# x11-lib.sh: a real X server for the session agent's tests: Xorg with
# the dummy driver (xserver-xorg-video-dummy), whose 16 RandR 1.2 outputs
# accept new modes -- unlike Xvfb, whose single output has a fixed
# framebuffer.  Source after agent-lib.sh.
#
#   x11_start              # sets X11_DISPLAY (":N"), X11_PID
#   x11_state              # xrandr-state: the server's view through RandR
#   x11_stop
X11_XORG=/usr/lib/xorg/Xorg
X11_DUMMY=/usr/lib/xorg/modules/drivers/dummy_drv.so
X11_STATE=$top_builddir/tests/integration/xrandr-state
X11_PID=
X11_DISPLAY=

x11_require() {
	ag_require "Xorg (xserver-xorg-core)" "$X11_XORG"
	ag_require "the Xorg dummy driver (xserver-xorg-video-dummy)" "$X11_DUMMY"
	# Xorg needs root for its log and VT handling even with the dummy
	# driver; CI and the developers' machines run the suite as root.
	if [ "$(id -u)" != 0 ]; then
		[ "${CI:-}" != true ] || ag_fail "Xorg needs root"
		echo "SKIP: Xorg needs root"
		exit 77
	fi
}

x11__conf() {
	cat >"$XS_TEST_DIR/xorg.conf" <<'CONF'
Section "ServerFlags"
	Option "AutoAddDevices" "false"
	Option "AutoAddGPU" "false"
	Option "DontVTSwitch" "true"
EndSection
Section "Device"
	Identifier "dummy"
	Driver "dummy"
	# kB: room for a 3440x1440 and a 1920x1080 desktop side by side
	VideoRam 131072
EndSection
Section "Screen"
	Identifier "screen"
	Device "dummy"
	DefaultDepth 24
	SubSection "Display"
		Depth 24
	EndSubSection
EndSection
CONF
	mkdir -p "$XS_TEST_DIR/xorg.conf.d"
}

# x11_start [DISPLAY]: a new server (on DISPLAY, else the first free one).
x11_start() {
	local want=${1:-} fdfile=$XS_TEST_DIR/displayfd
	x11__conf
	rm -f "$fdfile"
	if [ -n "$want" ]; then
		"$X11_XORG" "$want" -config "$XS_TEST_DIR/xorg.conf" \
			-configdir "$XS_TEST_DIR/xorg.conf.d" -logfile "$XS_TEST_DIR/xorg.log" \
			-noreset -nolisten tcp -novtswitch -sharevts \
			>>"$XS_TEST_DIR/xorg.out" 2>&1 &
		X11_PID=$!
		X11_DISPLAY=$want
	else
		"$X11_XORG" -displayfd 3 -config "$XS_TEST_DIR/xorg.conf" \
			-configdir "$XS_TEST_DIR/xorg.conf.d" -logfile "$XS_TEST_DIR/xorg.log" \
			-noreset -nolisten tcp -novtswitch -sharevts \
			3>"$fdfile" >>"$XS_TEST_DIR/xorg.out" 2>&1 &
		X11_PID=$!
		ag_wait "$AG_TIMEOUT" test -s "$fdfile" ||
			{ tail "$XS_TEST_DIR/xorg.out"; ag_fail "Xorg did not start"; }
		X11_DISPLAY=:$(head -n 1 "$fdfile")
	fi
	xs_atexit x11_kill
	ag_wait "$AG_TIMEOUT" "$X11_STATE" "$X11_DISPLAY" >/dev/null 2>&1 ||
		{ tail "$XS_TEST_DIR/xorg.out"; ag_fail "Xorg on $X11_DISPLAY does not answer"; }
	ag_say "Xorg (dummy driver) on $X11_DISPLAY, pid $X11_PID"
}

x11_kill() {
	[ -n "$X11_PID" ] || return 0
	kill -TERM "$X11_PID" 2>/dev/null
	wait "$X11_PID" 2>/dev/null
	X11_PID=
}

x11_stop() { x11_kill; }

x11_state() { "$X11_STATE" "$X11_DISPLAY"; }

# x11_expect LINE...: each line is in the server's state (read through
# RandR by xrandr-state, not by the agent).
x11_has() {
	local state line
	state=$(x11_state) || return 1
	for line in "$@"; do
		grep -qxF -- "$line" <<<"$state" || return 1
	done
}
x11_expect() {
	if ag_wait "$AG_TIMEOUT" x11_has "$@"; then
		ag_say "X server reads back: $(x11_state | grep -v " off$" | tr '\n' ';')"
		return 0
	fi
	ag_fail "X server shows '$(x11_state | tr '\n' ';')', wanted: $*"
}
