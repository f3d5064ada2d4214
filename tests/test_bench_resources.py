"""The resources benchmark counts the whole app: the window's process and the model's child process (the model
runs in its own process, so the window's RSS and CPU time alone left out about 190 MB and the model's work)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from benchmarks import bench_resources

CHILD = "import sys; block = bytearray(64 * 1024 * 1024); print('ready', flush=True); sys.stdin.read()"


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="Linux /proc")
def test_memory_and_cpu_count_the_child_processes():
    alone = bench_resources.tree_memory(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"  # its 64 MB are touched
        both = bench_resources.tree_memory(os.getpid())
        assert child.pid in bench_resources.process_tree(os.getpid())
        assert both["children_rss_mb"] >= 60 and both["rss_mb"] >= alone["rss_mb"] + 60
        assert both["rss_mb"] == both["self_rss_mb"] + both["children_rss_mb"]
        assert bench_resources.cpu_seconds(os.getpid())[0] >= bench_resources.cpu_seconds(os.getpid(), tree=False)[0]
    finally:
        child.stdin.close()
        child.wait(30)
