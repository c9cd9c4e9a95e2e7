#!/usr/bin/python3
"""Write tests/data/hostile/unlisted-after-manifest.tar.zst.

The unsigned json:raw seed bundle (tests/fuzz/corpus/verify/unsigned.tar.zst
without its first byte, the fuzzer's key switch) with one member added at
the end, after manifest.json in archive order: zz-unlisted.bin, 64 MiB of
zeros that manifest.json does not list.  zstd makes that a few KiB, well
under every cap of the verifier (README, "Verifying hostile bundles:
limits"), so only the manifest can tell it apart.  A verifier that reads
the manifest first refuses it at its tar header; one that does not
decompresses 64 MiB before saying so.

Usage, from the top of the tree (needs zstd):
    /usr/bin/python3 tests/data/hostile/make-unlisted.py
"""

import io
import subprocess
import tarfile

SEED = "tests/fuzz/corpus/verify/unsigned.tar.zst"
OUT = "tests/data/hostile/unlisted-after-manifest.tar.zst"
SIZE = 64 * 1024 * 1024


def main():
    with open(SEED, "rb") as f:
        raw = subprocess.run(["zstd", "-dc"], input=f.read()[1:],
                             capture_output=True, check=True).stdout
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(raw)) as src, \
            tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) \
            as dst:
        for m in src.getmembers():
            dst.addfile(m, src.extractfile(m))
        z = tarfile.TarInfo("zz-unlisted.bin")
        z.size, z.mtime, z.mode = SIZE, 0, 0o644
        dst.addfile(z, io.BytesIO(bytes(SIZE)))
    packed = subprocess.run(["zstd", "-19", "-q", "-c"], input=out.getvalue(),
                            capture_output=True, check=True).stdout
    with open(OUT, "wb") as f:
        f.write(packed)


main()
