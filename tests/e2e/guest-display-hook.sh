#!/bin/sh
# Display hook of hvmlink-agent inside the e2e guest: there is no X server,
# so "applying" a mode is printing it where Dom0 reads it (the guest's
# serial console), with the hvmlink interrupt count at that moment.
irq=$(awk '/hvmlink/ { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; s += n } END { print s + 0 }' /proc/interrupts)
echo "E2E-HOOK display ${HVMLINK_DISPLAY:-?} ${HVMLINK_WIDTH:-?}x${HVMLINK_HEIGHT:-?} bpp=${HVMLINK_BPP:-} enabled=${HVMLINK_ENABLED:-} seq=${HVMLINK_SEQ:-} irq=$irq args=$*" >/dev/console
exit 0
