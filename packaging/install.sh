#!/bin/sh
# Install Doppel for the current user (no root): the app folder under ~/.local/opt/Doppel, a desktop entry in
# ~/.local/share/applications, the icon in the hicolor theme and a `doppel` command in ~/.local/bin.
#   ./install.sh              install or update
#   ./install.sh --uninstall  remove all of it (settings, cache and labels in the user folders are kept)
# DOPPEL_INSTALL_DIR overrides the app folder; XDG_DATA_HOME is honoured.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
app_dir=${DOPPEL_INSTALL_DIR:-$HOME/.local/opt/Doppel}
bin_dir=$HOME/.local/bin
desktop=$data_home/applications/doppel.desktop
icon_png=$data_home/icons/hicolor/256x256/apps/doppel.png
icon_svg=$data_home/icons/hicolor/scalable/apps/doppel.svg

refresh() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data_home/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data_home/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$app_dir"
    rm -f "$desktop" "$icon_png" "$icon_svg"
    [ -L "$bin_dir/doppel" ] && rm -f "$bin_dir/doppel"
    refresh
    echo "Doppel removed (your settings, cache and labels are left in place)."
    exit 0
fi

if [ ! -x "$here/Doppel/Doppel" ]; then
    echo "install.sh: no Doppel/Doppel beside this script; run it from the unpacked archive" >&2
    exit 1
fi

mkdir -p "$(dirname "$app_dir")" "$data_home/applications" "$(dirname "$icon_png")" "$(dirname "$icon_svg")" "$bin_dir"
# copy first, then swap, so a failed copy never leaves a half-installed app
rm -rf "$app_dir.new"
cp -R "$here/Doppel" "$app_dir.new"
rm -rf "$app_dir"
mv "$app_dir.new" "$app_dir"

cp "$here/doppel.png" "$icon_png"
cp "$here/doppel.svg" "$icon_svg"
sed "s|^Exec=.*|Exec=\"$app_dir/Doppel\"|" "$here/doppel.desktop" > "$desktop"
chmod 644 "$desktop"
ln -sf "$app_dir/Doppel" "$bin_dir/doppel"
refresh

echo "Doppel installed in $app_dir"
echo "Start it from the applications menu, or run: $bin_dir/doppel (check it with: doppel --self-test)"
