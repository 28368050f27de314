#!/usr/bin/env bash
# Puts the pinned front-end libraries (htmx, Bootstrap, its icons, Chart.js, Leaflet) under static/vendor/ (not committed: fetched
# by package name with npm, checked against the integrity npm records, and served
# by whitenoise; no CDN at run time).
set -euo pipefail
cd "$(dirname "$0")/.."

HTMX=htmx.org@2.0.9
BOOTSTRAP=bootstrap@5.3.9
ICONS=bootstrap-icons@1.13.2
CHARTJS=chart.js@4.6.1
LEAFLET=leaflet@1.9.4
dest=static/vendor
stamp="$dest/.versions"
# Test-only: the browser tests' accessibility (contrast) check; never loaded by a page.
AXE=axe-core@4.11.0
want="$HTMX $BOOTSTRAP $ICONS $CHARTJS $LEAFLET $AXE"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm (Node.js) is needed once to fetch htmx and Bootstrap into $dest/; install Node.js and run 'make vendor'." >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$HTMX" "$BOOTSTRAP" "$ICONS" "$CHARTJS" "$LEAFLET" "$AXE" >/dev/null 2>&1)
for tgz in "$work"/*.tgz; do
  name=$(basename "$tgz" .tgz)
  mkdir -p "$work/$name"
  tar -xzf "$tgz" -C "$work/$name"
done

rm -rf "$dest"
mkdir -p "$dest/htmx" "$dest/bootstrap" "$dest/bootstrap-icons/fonts" "$dest/chartjs" "$dest/leaflet" "$dest/axe-core"
cp "$work"/htmx.org-*/package/dist/htmx.min.js "$dest/htmx/"
cp "$work"/bootstrap-5*/package/dist/css/bootstrap.min.css "$dest/bootstrap/"
cp "$work"/bootstrap-5*/package/dist/js/bootstrap.bundle.min.js "$dest/bootstrap/"
cp "$work"/bootstrap-icons-*/package/font/bootstrap-icons.min.css "$dest/bootstrap-icons/"
cp "$work"/bootstrap-icons-*/package/font/fonts/bootstrap-icons.woff* "$dest/bootstrap-icons/fonts/"
cp "$work"/chart.js-*/package/dist/chart.umd.min.js "$dest/chartjs/"
cp "$work"/leaflet-*/package/dist/leaflet.js "$work"/leaflet-*/package/dist/leaflet.css "$dest/leaflet/"
cp -r "$work"/leaflet-*/package/dist/images "$dest/leaflet/"
cp "$work"/axe-core-*/package/axe.min.js "$dest/axe-core/"
for lic in "$work"/*/package/LICENSE*; do
  cp "$lic" "$dest/$(basename "$(dirname "$(dirname "$lic")")").LICENSE"
done
# The source maps these files name are not shipped; drop the references so
# browsers and collectstatic's manifest don't go looking for them.
sed -i '/sourceMappingURL/d' "$dest"/bootstrap/*.min.* "$dest"/chartjs/*.min.js "$dest"/leaflet/leaflet.js
echo "$want" > "$stamp"
echo "vendored $want into $dest/"
