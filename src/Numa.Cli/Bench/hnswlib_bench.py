# The peer side of `numa bench-index`: hnswlib (Debian python3-hnswlib) on the same files, parameters, ground
# truth and thread counts as Numa's index, in the same run. Prints one JSON object per line.
# Run with Debian's /usr/bin/python3 (the modules are not visible to other Pythons).
import gzip, json, struct, sys, time

import hnswlib
import numpy as np


def read_images(path, limit):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x00000803:
        raise SystemExit(f"{path}: not an IDX3 unsigned-byte file (magic 0x{magic:08X})")
    n = min(count, limit)
    return np.frombuffer(data, dtype=np.uint8, count=n * rows * cols, offset=16).reshape(n, rows * cols).astype(np.float32)


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    # Driven over stdin so that the two sides take turns on the CPUs (the machine may be shared): "build", then
    # one "search EF THREADS" per timed pass, then "quit".
    a = json.loads(sys.argv[1])
    train = read_images(a["train"], a["count"])
    queries = read_images(a["test"], a["queries"])
    k = a["k"]
    truth = np.fromfile(a["truth"], dtype=np.int32, offset=a["truth_offset"]).reshape(len(queries), k)
    print(json.dumps({"kind": "info", "version": getattr(hnswlib, "__version__", "0.6.2"), "count": len(train)}), flush=True)
    index = None
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        if command[0] == "build":
            before = rss_bytes()
            index = hnswlib.Index(space="l2", dim=train.shape[1])
            index.init_index(max_elements=len(train), M=a["m"], ef_construction=a["ef_construction"], random_seed=100)
            start = time.perf_counter()
            index.add_items(train, np.arange(len(train)), num_threads=a["build_threads"])
            seconds = time.perf_counter() - start
            print(json.dumps({"kind": "build", "seconds": seconds, "rss_bytes": rss_bytes() - before}), flush=True)
        elif command[0] == "search":
            ef, threads = int(command[1]), int(command[2])
            index.set_ef(ef)
            start = time.perf_counter()
            labels, _ = index.knn_query(queries, k=k, num_threads=threads)
            elapsed = time.perf_counter() - start
            hits = (labels.astype(np.int64)[:, :, None] == truth[:, None, :]).any(axis=2).sum()
            print(json.dumps({"kind": "search", "ef": ef, "threads": threads, "seconds": elapsed,
                              "recall": float(hits) / truth.size}), flush=True)
        else:
            raise SystemExit(f"unknown command {line!r}")


main()
