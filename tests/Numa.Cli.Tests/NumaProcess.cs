// Runs the `numa` executable built next to these tests (or another program, such as strace in front of it) as a
// process, and collects its exit code, stdout and stderr.
using System.Diagnostics;

namespace Numa.Cli.Tests;

internal static class NumaProcess
{
    /// <summary>The `numa` apphost beside the test executable.</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "numa");

    /// <summary>Runs `numa` with <paramref name="arguments"/>.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> NumaAsync(params string[] arguments) => RunAsync(Executable, arguments);

    /// <summary>Runs <paramref name="file"/>; it is killed (and the test cancelled) after 60 seconds.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
