// Status codes and messages: from handlers, from early rejections (Trailers-Only, HTTP 415), and from broken
// framing, which ends the call and leaves the server serving.
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Numa.Grpc;

namespace Numa.Tests.Grpc;

public sealed class GrpcStatusTests
{
    private static byte[] Message(string text) => new StringValue { Value = text }.ToByteArray();

    [Theory]
    [InlineData(GrpcStatusCode.NotFound, "no such thing")]
    [InlineData(GrpcStatusCode.InvalidArgument, "bad: 100% wrong\nline two, ünïcödé ✓")]
    [InlineData(GrpcStatusCode.PermissionDenied, "")]
    public async Task A_handlers_RpcException_reaches_the_client_with_its_code_message_and_trailers(GrpcStatusCode code, string detail)
    {
        await using var host = await TestHost.StartAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            host.Channel.UnaryAsync(TestService.Fail, new StringValue { Value = $"{(int)code}|{detail}" }));
        Assert.Equal(code, ex.StatusCode);
        Assert.Equal(detail, ex.Status.Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-failed"));
    }

    [Fact]
    public async Task A_handler_code_outside_the_17_codes_reaches_the_client_as_UNKNOWN()
    {
        // The server sends 2 for it (GrpcEdgeTests checks the wire, and the client's own mapping of a stray code).
        await using var host = await TestHost.StartAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            host.Channel.UnaryAsync(TestService.Fail, new StringValue { Value = "99|made up" }));

        Assert.Equal(GrpcStatusCode.Unknown, ex.StatusCode);
        Assert.Equal("made up", ex.Status.Detail);
    }

    [Fact]
    public async Task The_status_message_is_percent_encoded_on_the_wire()
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Fail", RawHttp2.Frame(Message("5|a%b ✓")));
        Assert.Equal("5", raw.GrpcStatus);
        Assert.Equal("a%25b %E2%9C%93", raw.GrpcMessage);
    }

    [Fact]
    public async Task An_unexpected_handler_exception_is_UNKNOWN_without_its_details()
    {
        await using var host = await TestHost.StartAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Channel.UnaryAsync(TestService.Throw, new StringValue { Value = "x" }));
        Assert.Equal(GrpcStatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("secret", ex.Status.Detail);
    }

    [Fact]
    public async Task An_unknown_method_is_a_Trailers_Only_UNIMPLEMENTED()
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Nope", RawHttp2.Frame(Message("x")));
        Assert.Equal(200, raw.HttpStatus);
        Assert.Equal("12", RawResponse.Value(raw.Headers, "grpc-status")); // in the headers: Trailers-Only
        Assert.Empty(raw.Body);
        Assert.Contains("/numa.test.Echo/Nope", raw.GrpcMessage);

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Channel.UnaryAsync(
            new GrpcMethod<StringValue, StringValue>(GrpcMethodType.Unary, "numa.test.Echo", "Nope",
                TestService.Unary.RequestMarshaller, TestService.Unary.ResponseMarshaller), new StringValue()));
        Assert.Equal(GrpcStatusCode.Unimplemented, ex.StatusCode);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task A_content_type_that_is_not_application_grpc_gets_HTTP_415(string? contentType)
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Unary", RawHttp2.Frame(Message("x")), contentType);
        Assert.Equal(415, raw.HttpStatus);
    }

    [Theory]
    [InlineData("application/grpc")]
    [InlineData("application/grpc+proto")]
    [InlineData("application/grpc+proto; charset=utf-8")]
    public async Task Proto_content_types_are_accepted(string contentType)
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Unary", RawHttp2.Frame(Message("x")), contentType);
        Assert.Equal("0", raw.GrpcStatus);
        Assert.Equal("echo:x", StringValue.Parser.ParseFrom(raw.Body.AsSpan(5)).Value);
    }

    [Fact]
    public async Task Another_grpc_subtype_is_UNIMPLEMENTED_and_GET_is_405()
    {
        await using var host = await TestHost.StartAsync();
        var json = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Unary", RawHttp2.Frame(Message("x")), "application/grpc+json");
        Assert.Equal("12", json.GrpcStatus);
        var get = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Unary", [], method: "GET");
        Assert.Equal(405, get.HttpStatus);
    }

    public static TheoryData<string, byte[], string, string> BrokenBodies()
    {
        var ok = RawHttp2.Frame(Message("x"));
        return new()
        {
            { "truncated message", ok[..^2], "13", "ended inside message 1" },
            { "truncated prefix", ok[..3], "13", "inside the 5-byte prefix" },
            { "no message", [], "13", "without a message" },
            { "two messages", [.. ok, .. ok], "13", "more than one message" },
            { "compressed flag without grpc-encoding", RawHttp2.Frame(Message("x"), flag: 1), "13", "Compressed-Flag 1" },
            { "undefined flag", RawHttp2.Frame(Message("x"), flag: 7), "13", "Compressed-Flag 7" },
            { "garbage protobuf", RawHttp2.Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), "13", "could not be deserialized" },
            { "length beyond the limit", [0, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3], "8", "larger than the maximum" },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public async Task Broken_framing_ends_the_call_with_a_clear_status_and_the_server_keeps_serving(string what, byte[] body, string status, string detail)
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Unary", body);
        Assert.True(status == raw.GrpcStatus, $"{what}: grpc-status {raw.GrpcStatus}, {raw.GrpcMessage}");
        Assert.Contains(detail, GrpcProtocolDecode(raw.GrpcMessage));
        Assert.Equal("echo:after", (await host.Channel.UnaryAsync(TestService.Unary, new StringValue { Value = "after" })).Value);
    }

    [Fact]
    public async Task A_compressed_message_with_an_encoding_is_UNIMPLEMENTED_naming_the_accepted_encoding()
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Unary", RawHttp2.Frame(Message("x"), flag: 1),
            headers: ("grpc-encoding", "gzip"));
        Assert.Equal("12", raw.GrpcStatus);
        Assert.Contains("gzip", raw.GrpcMessage);
        Assert.Equal("identity", RawResponse.Value(raw.Headers, "grpc-accept-encoding"));
    }

    private static string GrpcProtocolDecode(string? message) => Uri.UnescapeDataString(message ?? "");

    [Fact]
    public async Task Invalid_binary_metadata_is_refused_with_INTERNAL()
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Unary", RawHttp2.Frame(Message("x")),
            headers: ("x-key-bin", "!!!not base64"));
        Assert.Equal("13", raw.GrpcStatus);
        Assert.Contains("x-key-bin", raw.GrpcMessage);
        Assert.Equal(Encoding.ASCII.GetBytes(""), raw.Body);
    }
}
