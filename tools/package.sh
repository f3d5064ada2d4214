#!/usr/bin/env bash
# Build the PyInstaller onedir app (dist/drillpad/) and the Linux tarball with a .desktop file.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/drillpad.spec
VERSION=$("$PY" -c 'import drillpad; print(drillpad.__version__)')
NAME="drillpad-${VERSION}-linux-$(uname -m)"
cp packaging/drillpad.desktop dist/drillpad.desktop
tar -C dist -czf "dist/${NAME}.tar.gz.part" drillpad drillpad.desktop
mv "dist/${NAME}.tar.gz.part" "dist/${NAME}.tar.gz"
echo "Built dist/drillpad/ ($(du -sh dist/drillpad | cut -f1)) and dist/${NAME}.tar.gz ($(du -sh "dist/${NAME}.tar.gz" | cut -f1))"
