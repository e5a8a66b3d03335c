// Server-streaming throughput of Numa.Grpc (64 messages of 1 MiB, our GrpcServer → our GrpcChannel) against the
// raw HTTP/2 floor it is built on: the same Kestrel HTTP/2 server writing the same 64 MiB as a plain response body,
// read by the same SocketsHttpHandler. Same process, same loopback, same run; MB/s = 64 MiB / mean time.
// The client side of both consumes bytes in place (the gRPC marshaller only counts them), so the ratio is the cost
// of gRPC framing, trailers and per-message flushes, which is what Flight's DoGet pays on top of HTTP/2.
using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Numa.Grpc;

namespace Numa.Benchmarks;

public class GrpcStreamingBenchmarks
{
    private const int MessageBytes = 1024 * 1024;
    private const int Messages = 64;

    // The request: a 4-byte little-endian message count.
    private static readonly GrpcMarshaller<int> s_int32 = GrpcMarshaller.Create<int>(
        n => 4,
        (n, w) => { BinaryPrimitives.WriteInt32LittleEndian(w.GetSpan(4), n); w.Advance(4); },
        (in ReadOnlySequence<byte> p) => BinaryPrimitives.ReadInt32LittleEndian(p.FirstSpan.Length >= 4 ? p.FirstSpan : p.ToArray()));

    // The client's view of a response: its length, read in place (nothing copied out of the transport's buffers).
    private static readonly GrpcMarshaller<int> s_length = GrpcMarshaller.Create<int>(
        n => throw new NotSupportedException(), (n, w) => throw new NotSupportedException(), (in ReadOnlySequence<byte> p) => (int)p.Length);

    private static readonly GrpcMethod<int, ReadOnlyMemory<byte>> s_serverStream =
        new(GrpcMethodType.ServerStreaming, "numa.bench.Stream", "Read", s_int32, GrpcMarshaller.Bytes);
    private static readonly GrpcMethod<int, int> s_clientSide =
        new(GrpcMethodType.ServerStreaming, "numa.bench.Stream", "Read", s_int32, s_length);

    private readonly byte[] _payload = new byte[MessageBytes];
    private readonly byte[] _readBuffer = new byte[64 * 1024];
    private GrpcServer _grpcServer = null!;
    private GrpcChannel _channel = null!;
    private WebApplication _rawServer = null!;
    private HttpMessageInvoker _rawClient = null!;
    private Uri _rawAddress = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        Random.Shared.NextBytes(_payload);
        var services = new GrpcServiceRegistry().AddServerStreaming(s_serverStream, async (count, writer, context) =>
        {
            for (int i = 0; i < count; i++) await writer.WriteAsync(_payload);
        });
        _grpcServer = await GrpcServer.StartAsync(services);
        _channel = new GrpcChannel(_grpcServer.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 2 * MessageBytes });

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        _rawServer = builder.Build();
        _rawServer.Run(async context =>
        {
            for (int i = 0; i < Messages; i++) await context.Response.BodyWriter.WriteAsync(_payload);
        });
        await _rawServer.StartAsync();
        var address = _rawServer.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _rawAddress = new Uri(address.Replace("[::]", "127.0.0.1"));
        _rawClient = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });

        if (await Grpc_server_streaming_64x1MiB() != (long)Messages * MessageBytes || await Raw_http2_body_64MiB() != (long)Messages * MessageBytes)
            throw new InvalidOperationException("a transfer came back short");
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _channel.Dispose();
        await _grpcServer.DisposeAsync();
        _rawClient.Dispose();
        await _rawServer.StopAsync();
        await _rawServer.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public async Task<long> Raw_http2_body_64MiB()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _rawAddress)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await _rawClient.SendAsync(request, CancellationToken.None);
        await using var body = await response.Content.ReadAsStreamAsync();
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(_readBuffer)) > 0) total += n;
        return total;
    }

    [Benchmark]
    public async Task<long> Grpc_server_streaming_64x1MiB()
    {
        using var call = _channel.StartServerStreaming(s_clientSide, Messages);
        long total = 0;
        while (await call.ResponseStream.MoveNextAsync()) total += call.ResponseStream.Current;
        return total;
    }
}
