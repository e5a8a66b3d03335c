// CRC-32C at the folding threshold (256 B) and just above it (512 B), over a WAL record's size (1 KiB payload +
// header), a 64 KiB block and a 1 MiB snapshot chunk: the VPCLMULQDQ folding path that Crc32C.Compute takes on this
// CPU against the CRC32-instruction path (three streams) it takes below 256 bytes and on CPUs without 512-bit
// carry-less multiply. Same run, same data.
using BenchmarkDotNet.Attributes;
using Numa.Storage;

namespace Numa.Benchmarks;

public class Crc32CBenchmarks
{
    private byte[] _data = null!;

    [Params(256, 512, 1051, 64 * 1024, 1024 * 1024)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (!Crc32C.FoldingSupported) Console.WriteLine("// this CPU has no 512-bit VPCLMULQDQ: both rows take the CRC32-instruction path");
        _data = new byte[Bytes];
        new Random(1).NextBytes(_data);
    }

    [Benchmark]
    public uint Folding() => Crc32C.Compute(_data);

    [Benchmark(Baseline = true)]
    public uint Crc32_instruction() => ~Crc32C.UpdateScalar(~0u, _data);
}
