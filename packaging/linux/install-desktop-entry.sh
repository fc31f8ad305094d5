#!/bin/sh
# Add MATAC Desk to this user's application menu (or take it out again with --uninstall).
# Run from the unpacked bundle: it points the menu entry at the matac-desk program beside this script.
# Writes only under ${XDG_DATA_HOME:-~/.local/share}; needs no administrator rights.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/matac-desk.desktop"
sizes="16 24 32 48 64 128 256 512"

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$entry" "$data/icons/hicolor/scalable/apps/matac-desk.svg"
    for s in $sizes; do rm -f "$data/icons/hicolor/${s}x${s}/apps/matac-desk.png"; done
    echo "MATAC Desk removed from the application menu"
    exit 0
fi
if [ ! -x "$here/matac-desk" ]; then
    echo "install-desktop-entry.sh: no matac-desk program beside this script in $here" >&2
    exit 1
fi
mkdir -p "$data/applications"
for s in $sizes; do
    mkdir -p "$data/icons/hicolor/${s}x${s}/apps"
    cp "$here/share/icons/hicolor/${s}x${s}/apps/matac-desk.png" "$data/icons/hicolor/${s}x${s}/apps/"
done
mkdir -p "$data/icons/hicolor/scalable/apps"
cp "$here/share/icons/hicolor/scalable/apps/matac-desk.svg" "$data/icons/hicolor/scalable/apps/"
# the program's full path, quoted (the folder's name has a space); no TryExec, as the path is absolute
sed -e "s|^Exec=.*|Exec=\"$here/matac-desk\" %f|" -e "/^TryExec=/d" \
    "$here/share/applications/matac-desk.desktop" > "$entry.tmp"
mv "$entry.tmp" "$entry"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "MATAC Desk added to the application menu: $entry"
