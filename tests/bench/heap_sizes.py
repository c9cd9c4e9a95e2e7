#!/usr/bin/python3
"""Live glibc heap chunks of a process, by size (tests/bench/sse-bench.sh,
BENCH_SSE_HEAP=1).

    heap_sizes.py PID [STREAMS] [TOP]

Reads the main arena ([heap] and the anonymous mappings of
/proc/PID/maps) through /proc/PID/mem (root, or the process's own user
with ptrace allowed) and walks its chunks: a chunk is in use when the next chunk's PREV_INUSE bit is set
(tcache and fastbin chunks count as in use too; malloc_info shows how
little that is).  Prints the TOP (20) chunk sizes by bytes, with count
and, given STREAMS (the streams this process holds), bytes per stream.
Chunks kept in the same number per stream are per-stream state; a
nginx request pool block is a 4112-byte chunk (4096 + the chunk header).
It reads only: the process is not stopped, so a busy one may be caught
mid-update and the walk end early (it says so).
"""
import collections
import struct
import sys


def regions(pid):
    """[heap] and the anonymous read-write mappings: when brk cannot
    grow (a mapping in the way), glibc grows the main arena with mmap."""
    out = []
    with open("/proc/%d/maps" % pid) as maps:
        for line in maps:
            f = line.split()
            if f[1] != "rw-p" or (len(f) > 5 and f[5] != "[heap]"):
                continue
            lo, hi = [int(x, 16) for x in f[0].split("-")]
            # After fork the heap may be two mappings (the part shared
            # with the master, then the rest), one chain of chunks.
            if out and out[-1][1] == lo:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
    return out


def walk(data, start):
    """The chunks (offset, size) from start while the chain holds."""
    chunks = []
    off = start
    while off + 16 <= len(data):
        size = struct.unpack_from("<Q", data, off + 8)[0] & ~7
        if size < 32 or size % 16 or off + size > len(data):
            break
        chunks.append((off, size))
        off += size
    return chunks, off


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: heap_sizes.py PID [STREAMS] [TOP]")
    pid = int(sys.argv[1])
    streams = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    count = collections.Counter()
    free = total = stopped = 0
    with open("/proc/%d/mem" % pid, "rb") as mem:
        for lo, hi in regions(pid):
            mem.seek(lo)
            data = mem.read(hi - lo)
            # The first chunk starts where the region's start, aligned,
            # put it; a region that is not a chain of chunks is skipped.
            chunks, end = max((walk(data, s) for s in range(0, 64, 8)),
                              key=lambda w: w[1])
            if end < len(data) // 2:
                continue
            total += len(data)
            stopped += end + 64 < len(data)
            for i in range(len(chunks) - 1):
                nxt = struct.unpack_from("<Q", data,
                                         chunks[i + 1][0] + 8)[0]
                if nxt & 1:
                    count[chunks[i][1]] += 1
                else:
                    free += chunks[i][1]
    used = sum(s * n for s, n in count.items())
    # Free chunks inside the heap are what a burst of handshakes could
    # have left behind (glibc keeps them); the top chunk is not counted.
    print("heap %d KiB, in use %d KiB in %d chunks, free %d KiB%s" % (
        total // 1024, used // 1024, sum(count.values()), free // 1024,
        "" if not stopped else " (a walk stopped early: caught mid-update)"))
    for size, n in sorted(count.items(), key=lambda c: -c[0] * c[1])[:top]:
        per = " %8.0f B/stream" % (size * n / streams) if streams else ""
        print("  %7d B x %7d = %9.1f KiB%s" % (size, n, size * n / 1024,
                                              per))


main()
