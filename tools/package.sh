#!/usr/bin/env bash
# Build the PyInstaller onedir app (dist/drillpad/) and the Linux tarball with a .desktop file.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/drillpad.spec
# Debug symbols are most of libpython and of our own llama build; strip only those. Never strip the
# wheels' auditwheel-patched libraries (numpy's OpenBLAS then fails to load: "not page-aligned").
find dist/drillpad/_internal -maxdepth 1 -name 'libpython3*.so*' -exec strip --strip-debug {} +
find dist/drillpad/_internal/llama_cpp -name '*.so*' -exec strip --strip-debug {} +
VERSION=$("$PY" -c 'import drillpad; print(drillpad.__version__)')
NAME="drillpad-${VERSION}-linux-$(uname -m)"
cp packaging/drillpad.desktop dist/drillpad.desktop
tar -C dist -czf "dist/${NAME}.tar.gz.part" drillpad drillpad.desktop
mv "dist/${NAME}.tar.gz.part" "dist/${NAME}.tar.gz"
echo "Built dist/drillpad/ ($(du -sh dist/drillpad | cut -f1)) and dist/${NAME}.tar.gz ($(du -sh "dist/${NAME}.tar.gz" | cut -f1))"
