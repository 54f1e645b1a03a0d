#!/usr/bin/env bash
# Smoke-test the frozen bundle inside a private desktop session (D-Bus, an unlocked GNOME
# Keyring, a PulseAudio null sink: tools/with-session), so `key status` reaches a real Secret
# Service and the player has an audio device.
#   packaging/smoke.sh [dist/grok-video/grok-video] [--display auto|xvfb|none] [--keep DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [ -x "$root/tools/with-session" ] && command -v dbus-run-session >/dev/null \
   && command -v gnome-keyring-daemon >/dev/null; then
  exec "$root/tools/with-session" python3 "$here/smoke.py" "$@"
fi
echo "smoke.sh: no dbus-run-session/gnome-keyring-daemon: running without a session" >&2
exec python3 "$here/smoke.py" "$@"
