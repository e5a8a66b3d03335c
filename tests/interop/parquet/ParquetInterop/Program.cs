// Entry point of the Parquet interop helper:
//   write DIR ROWS DIM ROWGROUP   writes DIR/numa-{uncompressed,snappy,gzip}.parquet from SampleRows
//   read FILE ROWS DIM [low]      reads FILE (written by another implementation) and checks it against SampleRows
//                                 (low: the low-cardinality variant)
//   bench IDX3_GZ DIR REPEATS     snapshot write/read of an IDX3 image set (benchmarks/parquet/run.sh)
// Exit code 0 = ok, 1 = check failed, 2 = usage or I/O error.
using Numa.Interop.Parquet;

try
{
    return args switch
    {
        ["write", var dir, var rows, var dim, var rowGroup] => Commands.Write(dir, int.Parse(rows), int.Parse(dim), int.Parse(rowGroup)),
        ["read", var file, var rows, var dim] => Commands.Read(file, int.Parse(rows), int.Parse(dim)),
        ["read", var file, var rows, var dim, "low"] => Commands.Read(file, int.Parse(rows), int.Parse(dim), lowCardinality: true),
        ["bench", var idx, var dir, var repeats] => Benchmark.Run(idx, dir, int.Parse(repeats)),
        _ => Usage(),
    };
}
catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"parquet-interop: {e.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("usage: ParquetInterop write DIR ROWS DIM ROWGROUP | read FILE ROWS DIM [low] | bench IDX3_GZ DIR REPEATS");
    return 2;
}
