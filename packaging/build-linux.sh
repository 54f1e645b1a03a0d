#!/usr/bin/env bash
# Build the one-folder Linux bundle: dist/grok-video/ (run from anywhere).
#
#   packaging/build-linux.sh            # fresh throwaway venv under build/, then PyInstaller
#   KEEP_VENV=1 packaging/build-linux.sh  # reuse build/venv if it is there (faster rebuilds)
#   PYTHON=python3.12 packaging/build-linux.sh
#
# The venv holds only the app, its dependencies and PyInstaller, so nothing else on the machine
# (test tools, other site-packages) can creep into the bundle.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
python="${PYTHON:-python3}"
venv="$root/build/venv"
work="$root/build/pyinstaller"
dist="$root/dist"
# A range, not a pin: the spec uses only PyInstaller 6's documented spec-file API.
pyinstaller_req="${PYINSTALLER_REQ:-pyinstaller>=6.10,<7}"

started=$(date +%s)
step() { printf '\n== %s (%ds)\n' "$*" "$(( $(date +%s) - started ))"; }

if [ -z "${KEEP_VENV:-}" ] || [ ! -x "$venv/bin/python" ]; then
  step "Creating a throwaway venv in ${venv#"$root"/}"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
step "Installing the app and PyInstaller"
# (this machine's pip configuration names local indexes that may be absent: not worth a line each)
quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
quiet "$venv/bin/python" -m pip install -q --upgrade pip
quiet "$venv/bin/python" -m pip install -q "$root" "$pyinstaller_req"
"$venv/bin/python" -m pip list --format=freeze 2>/dev/null \
  | grep -i -E '^(grok-video|pyside6|shiboken6|av|pillow|keyring|pyinstaller)' | sed 's/^/   /'

step "Checking resources/"
version="$("$venv/bin/python" -c 'import grok_video; print(grok_video.__version__)')"
metainfo="$root/resources/io.github.grokvideo.GrokVideo.metainfo.xml"
newest="$(grep -m1 -o '<release version="[^"]*"' "$metainfo" | cut -d'"' -f2)"
if [ "$newest" != "$version" ]; then
  echo "The app is version $version but the newest <release> in ${metainfo#"$root"/} is" \
       "'$newest': add a <release version=\"$version\" date=\"$(date +%F)\"> entry." >&2
  exit 1
fi
if [ ! -f "$root/resources/icons/hicolor/512x512/apps/grok-video.png" ] \
   || [ "$root/resources/icons/grok-video.svg" -nt "$root/resources/icons/hicolor/512x512/apps/grok-video.png" ]; then
  QT_QPA_PLATFORM=offscreen "$venv/bin/python" "$here/render_icons.py"
fi
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$root/resources/grok-video.desktop"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net --explain "$metainfo" >/dev/null \
    || appstreamcli validate --no-net "$metainfo"
fi
echo "   version $version; desktop entry and AppStream file checked where the tools are installed"

step "Running PyInstaller (packaging/grok-video.spec)"
rm -rf "$dist/grok-video"
"$venv/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --workpath "$work" --distpath "$dist" "$here/grok-video.spec"

step "Checking the bundle starts"
"$dist/grok-video/grok-video" --version

step "Done"
echo "Bundle: $dist/grok-video/  (run $dist/grok-video/grok-video)"
du -sh "$dist/grok-video"
echo "Build time: $(( $(date +%s) - started ))s"
