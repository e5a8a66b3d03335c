// The service the gRPC tests call: every call shape, failures, sleeps past deadlines, large messages, metadata.
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Numa.Grpc;

namespace Numa.Tests.Grpc;

internal sealed class TestService
{
    internal const string Service = "numa.test.Echo";
    private static readonly GrpcMarshaller<StringValue> s_text = GrpcMarshaller.ForProtobuf(StringValue.Parser);
    private static readonly GrpcMarshaller<Int32Value> s_int = GrpcMarshaller.ForProtobuf(Int32Value.Parser);
    private static readonly GrpcMarshaller<BytesValue> s_bytes = GrpcMarshaller.ForProtobuf(BytesValue.Parser);

    internal static readonly GrpcMethod<StringValue, StringValue> Unary = new(GrpcMethodType.Unary, Service, "Unary", s_text, s_text);
    internal static readonly GrpcMethod<StringValue, StringValue> Fail = new(GrpcMethodType.Unary, Service, "Fail", s_text, s_text);
    internal static readonly GrpcMethod<StringValue, StringValue> Throw = new(GrpcMethodType.Unary, Service, "Throw", s_text, s_text);
    internal static readonly GrpcMethod<Int32Value, StringValue> Sleep = new(GrpcMethodType.Unary, Service, "Sleep", s_int, s_text);
    internal static readonly GrpcMethod<Int32Value, StringValue> SleepIgnoringCancellation = new(GrpcMethodType.Unary, Service, "SleepIgnoringCancellation", s_int, s_text);
    internal static readonly GrpcMethod<Int32Value, StringValue> Count = new(GrpcMethodType.ServerStreaming, Service, "Count", s_int, s_text);
    internal static readonly GrpcMethod<Int32Value, StringValue> CountBuffered = new(GrpcMethodType.ServerStreaming, Service, "CountBuffered", s_int, s_text);
    internal static readonly GrpcMethod<Int32Value, StringValue> Hang = new(GrpcMethodType.ServerStreaming, Service, "Hang", s_int, s_text);
    internal static readonly GrpcMethod<StringValue, StringValue> Collect = new(GrpcMethodType.ClientStreaming, Service, "Collect", s_text, s_text);
    internal static readonly GrpcMethod<StringValue, StringValue> Chat = new(GrpcMethodType.DuplexStreaming, Service, "Chat", s_text, s_text);
    internal static readonly GrpcMethod<Int32Value, BytesValue> Big = new(GrpcMethodType.Unary, Service, "Big", s_int, s_bytes);
    internal static readonly GrpcMethod<BytesValue, Int32Value> Upload = new(GrpcMethodType.Unary, Service, "Upload", s_bytes, s_int);
    internal static readonly GrpcMethod<StringValue, StringValue> Metadata = new(GrpcMethodType.Unary, Service, "Metadata", s_text, s_text);

    /// <summary>Completes with the handler's view when a Hang or Sleep handler's token fires.</summary>
    internal TaskCompletionSource<string> Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when SleepIgnoringCancellation's handler returns.</summary>
    internal TaskCompletionSource IgnoringHandlerReturned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The deadline the last Sleep handler saw.</summary>
    internal DateTime? LastDeadline { get; private set; }

    internal GrpcServiceRegistry Registry()
    {
        var r = new GrpcServiceRegistry();
        r.AddUnary(Unary, (req, ctx) => Task.FromResult(new StringValue { Value = "echo:" + req.Value }));
        r.AddUnary(Fail, (req, ctx) =>
        {
            // "code|detail": end with that status, plus a trailer
            var parts = req.Value.Split('|', 2);
            ctx.ResponseTrailers.Add("x-failed", "yes");
            throw new RpcException((GrpcStatusCode)int.Parse(parts[0]), parts[1]);
        });
        r.AddUnary<StringValue, StringValue>(Throw, (req, ctx) => throw new InvalidOperationException("secret internals " + req.Value));
        r.AddUnary(Sleep, async (req, ctx) =>
        {
            LastDeadline = ctx.Deadline;
            try
            {
                await Task.Delay(req.Value, ctx.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult("sleep");
                throw;
            }
            return new StringValue { Value = "slept" };
        });
        r.AddUnary(SleepIgnoringCancellation, async (req, ctx) =>
        {
            await Task.Delay(req.Value, CancellationToken.None);
            IgnoringHandlerReturned.TrySetResult();
            return new StringValue { Value = "late" };
        });
        r.AddServerStreaming(Count, async (req, writer, ctx) =>
        {
            for (int i = 0; i < req.Value; i++) await writer.WriteAsync(new StringValue { Value = i.ToString() });
        });
        r.AddServerStreaming(CountBuffered, async (req, writer, ctx) =>
        {
            for (int i = 0; i < req.Value; i++) await writer.WriteAsync(new StringValue { Value = i.ToString() }, flush: false);
        });
        r.AddServerStreaming(Hang, async (req, writer, ctx) =>
        {
            await writer.WriteAsync(new StringValue { Value = "started" });
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult(ctx.HttpContext.RequestAborted.IsCancellationRequested ? "client gone" : "token");
                throw;
            }
        });
        r.AddClientStreaming(Collect, async (requests, ctx) =>
        {
            var all = new List<string>();
            await foreach (var m in requests.ReadAllAsync())
            {
                if (m.Value == "bad") throw new RpcException(GrpcStatusCode.InvalidArgument, $"request {all.Count + 1} is bad");
                all.Add(m.Value);
            }
            return new StringValue { Value = string.Join(",", all) };
        });
        r.AddDuplexStreaming(Chat, async (requests, writer, ctx) =>
        {
            while (await requests.MoveNextAsync())
                await writer.WriteAsync(new StringValue { Value = "re:" + requests.Current.Value });
        });
        r.AddUnary(Big, (req, ctx) => Task.FromResult(new BytesValue { Value = ByteString.CopyFrom(Pattern(req.Value)) }));
        r.AddUnary(Upload, (req, ctx) =>
            Task.FromResult(new Int32Value { Value = req.Value.Span.SequenceEqual(Pattern(req.Value.Length)) ? req.Value.Length : -1 }));
        r.AddUnary(Metadata, (req, ctx) =>
        {
            ctx.ResponseHeaders.Add("x-header", "h1");
            ctx.ResponseTrailers.Add("x-trailer", "t1");
            ctx.ResponseTrailers.Add("x-trailer-bin", [1, 2, 255]);
            var bin = ctx.RequestHeaders.GetValueBytes("x-key-bin");
            return Task.FromResult(new StringValue
            {
                Value = $"{ctx.RequestHeaders.GetValue("authorization")};{(bin is null ? "none" : Convert.ToHexString(bin))};{ctx.RequestHeaders.GetValue(req.Value)}",
            });
        });
        return r;
    }

    internal static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte)(i * 31 + (i >> 8));
        return bytes;
    }
}
