#!/usr/bin/env bash
# Run the packaged app's smoke test twice: as built, and from a read-only copy of the install
# folder with a throwaway HOME (DrillPad must write only to its data and log dirs).
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
dist/drillpad/drillpad --smoke
RO=$(mktemp -d)
cp -a dist/drillpad "$RO/drillpad"
chmod -R a-w "$RO/drillpad"
before=$(find "$RO/drillpad" | sort | sha256sum)
HOME="$RO/home" XDG_DATA_HOME="$RO/home/data" XDG_STATE_HOME="$RO/home/state" XDG_CACHE_HOME="$RO/home/cache" \
    "$RO/drillpad/drillpad" --smoke
HOME="$RO/home" XDG_DATA_HOME="$RO/home/data" XDG_STATE_HOME="$RO/home/state" XDG_CACHE_HOME="$RO/home/cache" \
    "$RO/drillpad/drillpad" demo --no-gui
after=$(find "$RO/drillpad" | sort | sha256sum)
chmod -R u+w "$RO"; rm -rf "$RO"
[ "$before" = "$after" ] || { echo "FAIL: the install folder changed at run time"; exit 1; }
echo "ok   read-only install folder: nothing written into it"
