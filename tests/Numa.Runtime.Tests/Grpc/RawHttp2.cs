// A bare HTTP/2 client for the tests that must send what our GrpcChannel never would (wrong content-types,
// broken framing, grpc-timeout values of every unit) and look at the raw response: status, headers, body, trailers.
using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;

namespace Numa.Tests.Grpc;

internal sealed record RawResponse(int HttpStatus, HttpResponseHeaders Headers, byte[] Body, HttpResponseHeaders Trailers)
{
    /// <summary>grpc-status from the trailers, or from the headers of a Trailers-Only response.</summary>
    internal string? GrpcStatus => Value(Trailers, "grpc-status") ?? Value(Headers, "grpc-status");

    internal string? GrpcMessage => Value(Trailers, "grpc-message") ?? Value(Headers, "grpc-message");

    internal static string? Value(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var v) ? v.First() : null;
}

internal static class RawHttp2
{
    internal static byte[] Frame(byte[] message, byte flag = 0)
    {
        var framed = new byte[5 + message.Length];
        framed[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    internal static async Task<RawResponse> SendAsync(Uri server, string path, byte[] body, string? contentType = "application/grpc",
        string method = "POST", params (string Name, string Value)[] headers)
    {
        using var handler = new SocketsHttpHandler { UseProxy = false };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(server, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (method != "GET")
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.Remove("Content-Type");
            if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return new RawResponse((int)response.StatusCode, response.Headers, bytes, response.TrailingHeaders);
    }
}
