// The handlers of echo.proto's Echo service on Numa.Grpc.
using System.Collections.Concurrent;
using Google.Protobuf;
using Numa.Grpc;

namespace Numa.Interop.Grpc;

internal sealed class EchoService
{
    private const string Service = "numa.interop.Echo";
    private static readonly GrpcMarshaller<EchoRequest> s_request = GrpcMarshaller.ForProtobuf(EchoRequest.Parser);
    private static readonly GrpcMarshaller<EchoResponse> s_response = GrpcMarshaller.ForProtobuf(EchoResponse.Parser);

    private static readonly GrpcMethod<EchoRequest, EchoResponse> s_unary = new(GrpcMethodType.Unary, Service, "Unary", s_request, s_response);
    private static readonly GrpcMethod<EchoRequest, EchoResponse> s_serverStream = new(GrpcMethodType.ServerStreaming, Service, "ServerStream", s_request, s_response);
    private static readonly GrpcMethod<EchoRequest, EchoResponse> s_clientStream = new(GrpcMethodType.ClientStreaming, Service, "ClientStream", s_request, s_response);
    private static readonly GrpcMethod<EchoRequest, EchoResponse> s_bidi = new(GrpcMethodType.DuplexStreaming, Service, "Bidi", s_request, s_response);
    private static readonly GrpcMethod<CancelQuery, CancelReport> s_wasCancelled = new(GrpcMethodType.Unary, Service, "WasCancelled",
        GrpcMarshaller.ForProtobuf(CancelQuery.Parser), GrpcMarshaller.ForProtobuf(CancelReport.Parser));

    // call_id → how the handler saw its cancellation
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _cancelled = new();

    internal GrpcServiceRegistry Registry() => new GrpcServiceRegistry()
        .AddUnary(s_unary, UnaryAsync)
        .AddServerStreaming(s_serverStream, ServerStreamAsync)
        .AddClientStreaming(s_clientStream, ClientStreamAsync)
        .AddDuplexStreaming(s_bidi, BidiAsync)
        .AddUnary(s_wasCancelled, WasCancelledAsync);

    private async Task<EchoResponse> UnaryAsync(EchoRequest request, GrpcServerCallContext context)
    {
        await SleepAsync(request, context).ConfigureAwait(false);
        ThrowIfAsked(request);
        return Reply(request, 0, context);
    }

    private async Task ServerStreamAsync(EchoRequest request, GrpcServerStreamWriter<EchoResponse> writer, GrpcServerCallContext context)
    {
        for (int i = 0; i < request.Count; i++)
        {
            await writer.WriteAsync(Reply(request, i, context)).ConfigureAwait(false);
            await SleepAsync(request, context).ConfigureAwait(false);
        }
        ThrowIfAsked(request);
    }

    private static async Task<EchoResponse> ClientStreamAsync(GrpcStreamReader<EchoRequest> requests, GrpcServerCallContext context)
    {
        int received = 0;
        long bytes = 0;
        await foreach (var request in requests.ReadAllAsync().ConfigureAwait(false))
        {
            ThrowIfAsked(request);
            received++;
            bytes += request.Payload.Length;
        }
        return new EchoResponse { Received = received, ReceivedBytes = bytes, Authorization = context.RequestHeaders.GetValue("authorization") ?? "" };
    }

    private async Task BidiAsync(GrpcStreamReader<EchoRequest> requests, GrpcServerStreamWriter<EchoResponse> writer, GrpcServerCallContext context)
    {
        int index = 0;
        while (await requests.MoveNextAsync().ConfigureAwait(false))
        {
            var request = requests.Current;
            await SleepAsync(request, context).ConfigureAwait(false);
            ThrowIfAsked(request);
            await writer.WriteAsync(Reply(request, index++, context)).ConfigureAwait(false);
        }
    }

    private async Task<CancelReport> WasCancelledAsync(CancelQuery query, GrpcServerCallContext context)
    {
        var seen = _cancelled.GetOrAdd(query.CallId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            string reason = await seen.Task.WaitAsync(TimeSpan.FromMilliseconds(query.WaitMs), context.CancellationToken).ConfigureAwait(false);
            return new CancelReport { Cancelled = true, Reason = reason };
        }
        catch (TimeoutException)
        {
            return new CancelReport { Cancelled = false };
        }
    }

    private async Task SleepAsync(EchoRequest request, GrpcServerCallContext context)
    {
        if (request.SleepMs <= 0) return;
        try
        {
            await Task.Delay(request.SleepMs, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (request.CallId.Length > 0)
        {
            string reason = context.HttpContext.RequestAborted.IsCancellationRequested ? "client cancelled" : "deadline";
            _cancelled.GetOrAdd(request.CallId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously))
                .TrySetResult(reason);
            throw;
        }
    }

    private static void ThrowIfAsked(EchoRequest request)
    {
        if (request.FailCode != 0) throw new RpcException((GrpcStatusCode)request.FailCode, request.FailMessage);
    }

    private static EchoResponse Reply(EchoRequest request, int index, GrpcServerCallContext context)
    {
        var response = new EchoResponse
        {
            Message = request.Message,
            Index = index,
            Authorization = context.RequestHeaders.GetValue("authorization") ?? "",
        };
        if (request.ResponseBytes > 0)
        {
            var payload = new byte[request.ResponseBytes];
            for (int i = 0; i < payload.Length; i++) payload[i] = (byte)i;
            response.Payload = UnsafeByteOperations.UnsafeWrap(payload);
        }
        return response;
    }
}
