#!/usr/bin/env bash
# Install the one-folder bundle for the current user (no root), or take it away again.
#
#   packaging/install-user.sh [BUNDLE]     # BUNDLE: default dist/grok-video (build-linux.sh)
#   packaging/install-user.sh --uninstall
#   PREFIX=/some/where packaging/install-user.sh   # instead of ~/.local (for trying it out)
#
# Puts:  $PREFIX/opt/grok-video/                  the bundle
#        $PREFIX/bin/grok-video                   a symlink to its executable
#        $PREFIX/share/applications/grok-video.desktop   (Exec is the installed executable)
#        $PREFIX/share/icons/hicolor/*/apps/grok-video.{png,svg}
#        $PREFIX/share/metainfo/io.github.grokvideo.GrokVideo.metainfo.xml
# The user's library, settings, logs and keyring entry are never touched, not even by
# --uninstall (they are in ~/.local/share/grok-video, ~/.config/grok-video, the keyring).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
prefix="${PREFIX:-$HOME/.local}"
opt="$prefix/opt/grok-video"
bin="$prefix/bin/grok-video"
apps="$prefix/share/applications"
desktop="$apps/grok-video.desktop"
icons="$prefix/share/icons/hicolor"
metainfo="$prefix/share/metainfo/io.github.grokvideo.GrokVideo.metainfo.xml"
sizes=(16 32 48 64 128 256 512)

refresh_caches() {
  if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$apps" ]; then
    update-desktop-database -q "$apps" || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -d "$icons" ]; then
    gtk-update-icon-cache -q -f -t "$icons" || true
  fi
}

ours() {  # is $bin our symlink (pointing into $opt)?
  [ -L "$bin" ] && [ "$(readlink "$bin")" = "$opt/grok-video" ]
}

uninstall() {
  local removed=0
  if ours; then rm -f "$bin"; removed=1; fi
  if [ -e "$bin" ] || [ -L "$bin" ]; then
    echo "Left $bin alone: it is not this installer's link (pip --user's script?)."
  fi
  for path in "$desktop" "$metainfo" "$icons/scalable/apps/grok-video.svg"; do
    if [ -e "$path" ]; then rm -f "$path"; removed=1; fi
  done
  for n in "${sizes[@]}"; do
    if [ -e "$icons/${n}x${n}/apps/grok-video.png" ]; then
      rm -f "$icons/${n}x${n}/apps/grok-video.png"; removed=1
    fi
  done
  if [ -d "$opt" ]; then rm -rf "$opt"; removed=1; fi
  refresh_caches
  if [ "$removed" = 1 ]; then
    echo "Grok Video is uninstalled from $prefix (your library and settings are kept)."
  else
    echo "Grok Video was not installed in $prefix."
  fi
}

# An Exec= value per the Desktop Entry spec: in double quotes when the path has spaces.
desktop_quote() {
  local path="$1"
  if [[ "$path" =~ ^[A-Za-z0-9._/+@=:,%-]+$ ]]; then
    printf '%s' "$path"
  elif [[ "$path" =~ ^[A-Za-z0-9._/+@=:,%\ -]+$ ]]; then
    printf '"%s"' "$path"
  else
    echo "The install folder $path has characters a desktop entry cannot take: use PREFIX=." >&2
    exit 1
  fi
}

do_install() {
  local bundle="${1:-$root/dist/grok-video}"
  bundle="$(cd "$bundle" 2>/dev/null && pwd)" || { echo "No bundle at ${1:-dist/grok-video}: run packaging/build-linux.sh first." >&2; exit 1; }
  if [ ! -x "$bundle/grok-video" ]; then
    echo "$bundle has no grok-video executable: run packaging/build-linux.sh first." >&2
    exit 1
  fi
  local res="$bundle/_internal/resources"
  [ -d "$res" ] || res="$root/resources"
  if [ -e "$bin" ] && ! ours; then
    echo "$bin exists and is not this installer's link (pip --user's script?)." >&2
    echo "Remove it first (pip uninstall grok-video-desktop), or use another PREFIX." >&2
    exit 1
  fi

  # The bundle: copied beside, then swapped in, so a failed copy leaves the old one working.
  mkdir -p "$prefix/opt"
  local staging="$opt.new.$$"
  rm -rf "$staging"
  cp -a "$bundle" "$staging"
  rm -rf "$opt"
  mv "$staging" "$opt"

  mkdir -p "$(dirname "$bin")"
  ln -sfn "$opt/grok-video" "$bin"

  mkdir -p "$apps"
  local exec_path
  exec_path="$(desktop_quote "$opt/grok-video")"
  # Exec lines name the installed executable (~/.local/bin is not on every desktop's PATH);
  # TryExec hides the menu entry should the executable go away.
  awk -v exe="$exec_path" -v try="$opt/grok-video" '
    /^\[Desktop Entry\]/ { print; print "TryExec=" try; next }
    /^Exec=grok-video/ { sub(/^Exec=grok-video/, "Exec=" exe) }
    { print }
  ' "$res/grok-video.desktop" > "$desktop.tmp"
  chmod 644 "$desktop.tmp"
  mv "$desktop.tmp" "$desktop"

  for n in "${sizes[@]}"; do
    local png="$res/icons/hicolor/${n}x${n}/apps/grok-video.png"
    if [ -f "$png" ]; then
      install -D -m 644 "$png" "$icons/${n}x${n}/apps/grok-video.png"
    fi
  done
  install -D -m 644 "$res/icons/grok-video.svg" "$icons/scalable/apps/grok-video.svg"
  install -D -m 644 "$res/io.github.grokvideo.GrokVideo.metainfo.xml" "$metainfo"
  refresh_caches

  echo "Installed Grok Video $("$opt/grok-video" --version | awk '{print $2}') in $opt"
  echo "  command:  $bin"
  echo "  menu:     $desktop"
  case ":$PATH:" in
    *":$(dirname "$bin"):"*) ;;
    *) echo "  note: $(dirname "$bin") is not on your PATH; the menu entry works anyway." ;;
  esac
}

case "${1:-}" in
  --uninstall|-u) uninstall ;;
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) do_install "$@" ;;
esac
