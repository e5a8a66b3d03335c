// What `numa load` and `numa bench` share as clients of a Flight data server: --address and --token, the client,
// and one exit-code contract (0 ok, 1 server or transport error, 2 usage or input error, 130 interrupted).
using System.CommandLine;
using System.CommandLine.Invocation;
using Numa.Arrow;
using Numa.Flight;
using Numa.Grpc;

namespace Numa.Cli.Commands;

internal static class ClientCommand
{
    /// <summary>The data server's address (Longbow's data port is 3000).</summary>
    internal static Option<string> Address() => new("--address")
    {
        Description = "The Flight data server, http://host:port (plain-text HTTP/2).",
        DefaultValueFactory = _ => "http://127.0.0.1:3000",
    };

    internal static Option<string?> Token() => new("--token")
    {
        Description = "Bearer token sent as 'authorization: Bearer <token>' on every call (default: $NUMA_TOKEN, else none).",
    };

    /// <summary>A client of <paramref name="address"/>.</summary>
    /// <exception cref="FormatException">Not an absolute http:// address.</exception>
    internal static FlightClient Connect(string address, string? token)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            throw new FormatException($"--address '{address}' is not an http://host:port address (the server speaks plain-text HTTP/2).");
        token ??= Environment.GetEnvironmentVariable("NUMA_TOKEN") is { Length: > 0 } env ? env : null;
        return new FlightClient(uri, new FlightClientOptions { BearerToken = token });
    }

    /// <summary>The action of a client command: parse errors and the exceptions a user can fix (FormatException for
    /// bad option values, missing or invalid files) end with one line on stderr and exit code 2; server and transport errors with the gRPC status and exit code 1.</summary>
    internal static CommandLineAction Action(string name, Func<ParseResult, CancellationToken, Task<int>> body) => new ClientAction(name, body);

    // ClearsParseErrors: this action runs even when parsing failed, so a bad option value exits with 2 like any
    // other usage error (System.CommandLine's own parse-error action exits with 1, which here means the server).
    private sealed class ClientAction(string name, Func<ParseResult, CancellationToken, Task<int>> body) : AsynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
        {
            if (parseResult.Errors.Count > 0)
            {
                foreach (var error in parseResult.Errors) Console.Error.WriteLine($"numa {name}: {error.Message}");
                Console.Error.WriteLine($"See 'numa {name} --help'.");
                return 2;
            }
            try
            {
                return await body(parseResult, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException)
            {
                Console.Error.WriteLine($"numa {name}: interrupted");   // Ctrl+C: a cancelled call ends as CANCELLED too
                return 130;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"numa {name}: server error {e.StatusCode}: {e.Status.Detail}");
                return 1;
            }
            catch (Exception e) when (e is ArrowFormatException or TimeoutException)
            {
                Console.Error.WriteLine($"numa {name}: server error: {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is FormatException or FileNotFoundException or DirectoryNotFoundException
                or InvalidDataException or ArgumentException or UnauthorizedAccessException or IOException)
            {
                Console.Error.WriteLine($"numa {name}: {e.Message}");
                return 2;
            }
        }
    }
}
