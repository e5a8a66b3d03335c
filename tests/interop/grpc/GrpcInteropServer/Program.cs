// Starts the interop server on 127.0.0.1 (port from the first argument, default 0 = any free port), prints
// "listening <port>" on one line, and runs until SIGTERM or SIGINT. Limits: 1 MiB receive, 16 MiB send.
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Numa.Grpc;
using Numa.Interop.Grpc;

int port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 0;
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
var options = new GrpcServerOptions
{
    EndPoint = new IPEndPoint(IPAddress.Loopback, port),
    MaxReceiveMessageSize = 1024 * 1024,
    MaxSendMessageSize = 16 * 1024 * 1024,
    LoggerFactory = loggerFactory,
};
var stop = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
await using var server = await GrpcServer.StartAsync(new EchoService().Registry(), options);
Console.WriteLine($"listening {server.EndPoint.Port}");
await stop.Task;
