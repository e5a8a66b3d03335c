// Starts two Flight servers on 127.0.0.1 over one in-memory backend: an open one and one that needs the bearer token
// "interop-token". Prints "listening DATA META AUTHDATA AUTHMETA" (ports) on one line and runs until SIGTERM/SIGINT.
// Limits: 4 MiB per received message (so the suite can send an oversized one); slow_down above 1,000,000 rows.
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Numa.Flight;

using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
var backend = new InMemoryVectorBackend { SlowDownAboveRows = 1_000_000 };
var open = new FlightServerOptions { MaxReceiveMessageSize = 4 * 1024 * 1024, LoggerFactory = loggerFactory };
var authenticated = new FlightServerOptions { MaxReceiveMessageSize = 4 * 1024 * 1024, LoggerFactory = loggerFactory, BearerToken = "interop-token" };
var stop = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
await using var server = await FlightServer.StartAsync(backend, open);
await using var guarded = await FlightServer.StartAsync(backend, authenticated);
Console.WriteLine($"listening {server.DataEndPoint.Port} {server.MetaEndPoint.Port} {guarded.DataEndPoint.Port} {guarded.MetaEndPoint.Port}");
await stop.Task;
