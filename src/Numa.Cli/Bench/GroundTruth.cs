// Exact k-nearest neighbours of every query (brute force over the store), computed once and cached under
// ~/.cache/numa/ (or $XDG_CACHE_HOME/numa, or a file the caller names) so repeated benchmark runs do not pay for it.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Numa.Vectors;

namespace Numa.Cli.Bench;

internal static class GroundTruth
{
    // "NUMAGT02", count u32, queries u32, k u32, SHA-256 of (dimension, the train rows used, the queries): a file made
    // from other vectors of the same sizes (MNIST digits in Fashion-MNIST's folder) is recomputed, never reused.
    public const int HeaderBytes = 20 + FingerprintBytes;
    private const int FingerprintBytes = 32;
    private static ReadOnlySpan<byte> Magic => "NUMAGT02"u8;

    public static string CacheFolder =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "numa");

    /// <summary>The cache file of <paramref name="name"/>'s ground truth for these sizes, under <see cref="CacheFolder"/>.</summary>
    public static string DefaultPath(string name, int count, int queryCount, int k) =>
        System.IO.Path.Combine(CacheFolder, $"{name}-l2-{count}x{queryCount}-k{k}.gt");

    /// <summary>The ids of the k nearest train vectors of each query (row-major, queries × k) and the cache file.</summary>
    public static (int[] Ids, string Path) Get(string name, float[] train, int count, float[] queries, int queryCount, int dimension, int k, int threads, TextWriter log)
    {
        string path = DefaultPath(name, count, queryCount, k);
        return (GetAt(path, train, count, queries, queryCount, dimension, k, threads, log), path);
    }

    /// <summary>The ids (train row indexes) of the <paramref name="k"/> nearest of the first <paramref name="count"/>
    /// train vectors (L2) to each of the <paramref name="queryCount"/> queries, row-major queries × k, nearest first:
    /// read from <paramref name="path"/> when it holds them for these sizes, else computed by brute force on
    /// <paramref name="threads"/> threads and written there (atomically: a temporary file, then a rename). A file
    /// there for other sizes or other vectors (it records a SHA-256 of the train rows and queries) is replaced.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> &lt; 1 or more than <paramref name="count"/>.</exception>
    /// <exception cref="IOException">The file cannot be read or written.</exception>
    public static int[] GetAt(string path, float[] train, int count, float[] queries, int queryCount, int dimension, int k, int threads, TextWriter log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, count);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        byte[] fingerprint = Fingerprint(train, count, queries, queryCount, dimension);
        if (TryRead(path, count, queryCount, k, fingerprint) is { } cached)
        {
            log.WriteLine($"ground truth: {path} (cached)");
            return cached;
        }
        if (File.Exists(path)) log.WriteLine($"ground truth: {path} was made for other vectors or sizes than these {count} train × {queryCount} queries, k={k}; recomputing");
        log.WriteLine($"ground truth: brute force over {count} vectors for {queryCount} queries on {threads} threads ...");
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var store = new VectorStore(dimension);
        for (int i = 0; i < count; i++) store.Add(i, train.AsSpan(i * dimension, dimension));
        var ids = new int[queryCount * k];
        int next = -1;
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                var results = new SearchResult[k];
                for (int q; (q = Interlocked.Increment(ref next)) < queryCount;)
                {
                    store.ExactSearch(queries.AsSpan(q * dimension, dimension), k, results);
                    for (int j = 0; j < k; j++) ids[q * k + j] = (int)results[j].Id;
                }
            });
            workers[t].Start();
        }
        foreach (var w in workers) w.Join();
        Write(path, ids, count, queryCount, k, fingerprint);
        log.WriteLine($"ground truth: {started.Elapsed.TotalSeconds:F1} s, cached in {path}");
        return ids;
    }

    private static byte[] Fingerprint(float[] train, int count, float[] queries, int queryCount, int dimension)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> d = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(d, dimension);
        sha.AppendData(d);
        sha.AppendData(MemoryMarshal.AsBytes(train.AsSpan(0, count * dimension)));
        sha.AppendData(MemoryMarshal.AsBytes(queries.AsSpan(0, queryCount * dimension)));
        return sha.GetHashAndReset();
    }

    private static int[]? TryRead(string path, int count, int queryCount, int k, byte[] fingerprint)
    {
        if (!File.Exists(path)) return null;
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length != HeaderBytes + 4L * queryCount * k || !bytes.AsSpan(0, 8).SequenceEqual(Magic)
            || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)) != count
            || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)) != queryCount
            || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16)) != k
            || !bytes.AsSpan(20, FingerprintBytes).SequenceEqual(fingerprint))
            return null;
        var ids = new int[queryCount * k];
        MemoryMarshal.Cast<byte, int>(bytes.AsSpan(HeaderBytes)).CopyTo(ids);
        return ids;
    }

    private static void Write(string path, int[] ids, int count, int queryCount, int k, byte[] fingerprint)
    {
        var bytes = new byte[HeaderBytes + 4L * ids.Length];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), count);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), queryCount);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), k);
        fingerprint.CopyTo(bytes.AsSpan(20));
        MemoryMarshal.AsBytes(ids.AsSpan()).CopyTo(bytes.AsSpan(HeaderBytes));
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
