#!/bin/sh
# Installs this Commander bundle for the current user (no root needed): the program in
# ~/.local/opt/commander, `commander` on the PATH (~/.local/bin), the menu entry and the icon.
# `install.sh --uninstall` removes them again; the incident logs are never touched.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target="$HOME/.local/opt/commander"
bin="$HOME/.local/bin"
share="${XDG_DATA_HOME:-$HOME/.local/share}"
sizes="16 32 48 64 128 256"

refresh_menus() {  # desktops rescan a folder whose time changed; no caches of ours
  touch "$share/applications" "$share/icons/hicolor" 2>/dev/null || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$share/applications/commander.desktop" "$share/icons/hicolor/scalable/apps/commander.svg"
  for size in $sizes; do rm -f "$share/icons/hicolor/${size}x${size}/apps/commander.png"; done
  [ "$(readlink "$bin/commander" 2>/dev/null)" = "$target/commander" ] && rm -f "$bin/commander"
  rm -rf "$target"
  refresh_menus
  echo "Commander removed (your incident logs in $share/commander are kept)."
  exit 0
fi

if [ "$here" != "$target" ]; then
  mkdir -p "$(dirname "$target")"
  rm -rf "$target.new"
  cp -a "$here" "$target.new"
  rm -rf "$target"
  mv "$target.new" "$target"
fi
mkdir -p "$bin" "$share/applications"
ln -sfn "$target/commander" "$bin/commander"
resources="$target/_internal/commander_app/resources"
for size in $sizes; do
  mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
  cp "$resources/icons/commander-$size.png" "$share/icons/hicolor/${size}x${size}/apps/commander.png"
done
mkdir -p "$share/icons/hicolor/scalable/apps"
cp "$resources/icons/commander.svg" "$share/icons/hicolor/scalable/apps/commander.svg"
sed -e "s|^Exec=.*|Exec=$target/commander|" -e "s|^TryExec=.*|TryExec=$target/commander|" \
  "$resources/commander.desktop" >"$share/applications/commander.desktop"
refresh_menus
echo "Commander installed in $target; start it from the menu or with: $bin/commander"
