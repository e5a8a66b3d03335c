// The HTTP request body of a client call: HttpClient asks it to write itself into the HTTP/2 request stream, and
// the call writes its Length-Prefixed-Messages there (all at once for one request, or as the app writes).
using System.Net;

namespace Numa.Grpc;

internal sealed class GrpcRequestContent(Func<Stream, CancellationToken, Task> writeBody) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        writeBody(stream, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        writeBody(stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
