// Arrow Flight DoPut and DoGet throughput on loopback — 100,000 rows of {id int64, vector FixedSizeList<float32>[128]}
// (52.0 MB of column data, 10 record batches of 10,000 rows) through our FlightClient and FlightServer (in-memory
// backend) — against the raw HTTP/2 floor in the same run: the same 52.0 MB as a plain Kestrel HTTP/2 request body
// (upload) or response body (download), sent in the same 10 chunks by the same SocketsHttpHandler. MB/s counts the
// column bytes (10^6 bytes per second). Longbow reports 735–1,121 MB/s DoPut on a 12-core laptop; the goal here is
// ≥ 50 % of the raw baseline.
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Numa.Arrow;
using Numa.Flight;

namespace Numa.Benchmarks;

[Config(typeof(Config))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class FlightThroughputBenchmarks
{
    private const int Rows = 100_000;
    private const int Dim = 128;
    private const int BatchRows = 10_000;
    private const long ColumnBytes = (long)Rows * (8 + Dim * 4);

    private readonly ArrowRecordBatch[] _batches = new ArrowRecordBatch[Rows / BatchRows];
    private readonly byte[][] _chunks = new byte[Rows / BatchRows][];
    private readonly byte[] _readBuffer = new byte[64 * 1024];
    private ArrowSchema _schema = null!;
    private InMemoryVectorBackend _backend = null!;
    private FlightServer _server = null!;
    private FlightClient _client = null!;
    private WebApplication _raw = null!;
    private HttpMessageInvoker _rawClient = null!;
    private Uri _rawAddress = null!;

    // Synchronous on purpose: BenchmarkDotNet 0.14's in-process toolchain does not wait for an async GlobalSetup.
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        var vectorType = ArrowType.FixedSizeList(new ArrowField("item", ArrowType.Float32, nullable: false), Dim);
        _schema = new ArrowSchema([new ArrowField("id", ArrowType.Int64, nullable: false), new ArrowField("vector", vectorType, nullable: false)]);
        var random = new Random(42);
        for (int b = 0; b < _batches.Length; b++)
        {
            var ids = new long[BatchRows];
            var vectors = new float[BatchRows * Dim];
            for (int i = 0; i < ids.Length; i++) ids[i] = (long)b * BatchRows + i;
            for (int i = 0; i < vectors.Length; i++) vectors[i] = random.NextSingle();
            _batches[b] = new ArrowRecordBatch(_schema, BatchRows, [ArrowArray.Int64(ids), ArrowArray.FixedSizeList(vectorType, BatchRows, ArrowArray.Float32(vectors))]);
            _chunks[b] = new byte[ColumnBytes / _batches.Length];
            random.NextBytes(_chunks[b]);
        }

        _backend = new InMemoryVectorBackend();
        _server = await FlightServer.StartAsync(_backend);
        _client = new FlightClient(_server.DataAddress);
        await _client.PutAsync("scan", _schema, _batches);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        _raw = builder.Build();
        _raw.Run(async context =>
        {
            if (HttpMethods.IsPost(context.Request.Method))
            {
                long total = 0;
                while (true)
                {
                    var read = await context.Request.BodyReader.ReadAsync();
                    total += read.Buffer.Length;
                    context.Request.BodyReader.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted) break;
                }
                await context.Response.WriteAsync(total.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return;
            }
            foreach (var chunk in _chunks) await context.Response.BodyWriter.WriteAsync(chunk);
        });
        await _raw.StartAsync();
        string address = _raw.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _rawAddress = new Uri(address.Replace("[::]", "127.0.0.1"));
        _rawClient = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });

        if (await Flight_DoPut() != Rows || await Flight_DoGet_scan() != Rows
            || await Raw_http2_upload() != ColumnBytes || await Raw_http2_download() != ColumnBytes)
            throw new InvalidOperationException("a transfer came back short");
    }

    private async Task CleanupAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _rawClient.Dispose();
        await _raw.StopAsync();
        await _raw.DisposeAsync();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("DoPut")]
    public async Task<long> Raw_http2_upload()
    {
        using var request = Request(HttpMethod.Post);
        request.Content = new ChunkedContent(_chunks);
        using var response = await _rawClient.SendAsync(request, CancellationToken.None);
        return long.Parse(await response.Content.ReadAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Benchmark, BenchmarkCategory("DoPut")]
    public async Task<long> Flight_DoPut()
    {
        await _client.PutAsync("put", _schema, _batches);
        long rows = _backend.GetCollection("put").Rows;
        _backend.DeleteCollection("put");            // keep memory flat across iterations
        return rows;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("DoGet")]
    public async Task<long> Raw_http2_download()
    {
        using var request = Request(HttpMethod.Get);
        using var response = await _rawClient.SendAsync(request, CancellationToken.None);
        await using var body = await response.Content.ReadAsStreamAsync();
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(_readBuffer)) > 0) total += n;
        return total;
    }

    [Benchmark, BenchmarkCategory("DoGet")]
    public async Task<long> Flight_DoGet_scan()
    {
        using var reader = _client.DoGet("scan"u8.ToArray());
        long rows = 0;
        while (await reader.ReadNextBatchAsync() is { } batch) rows += batch.Length;
        return rows;
    }

    private HttpRequestMessage Request(HttpMethod method) => new(method, _rawAddress)
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private sealed class ChunkedContent(byte[][] chunks) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            foreach (var chunk in chunks) await stream.WriteAsync(chunk);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            foreach (var chunk in chunks) length += chunk.Length;
            return true;
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new MegabytesPerSecondColumn());
    }

    /// <summary>Column bytes (52.0 MB) divided by the mean time, in MB/s (10^6 bytes).</summary>
    private sealed class MegabytesPerSecondColumn : IColumn
    {
        public string Id => "FlightMBps";
        public string ColumnName => "MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Column bytes (100,000 × (8 + 512)) per second, in 10^6 bytes";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            return stats is null ? "-" : $"{ColumnBytes / (stats.Mean / 1e9) / 1e6:N0}";
        }
    }
}
