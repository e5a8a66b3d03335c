// The `numa` executable (the apphost built next to these tests) run as a process: usage errors exit 2 with one
// line naming the problem and no stack trace, like every command's own errors; 1 stays a result (a torn WAL tail).
using System.Diagnostics;

namespace Numa.Cli.Tests;

public sealed class ExitCodeTests
{
    private static async Task<(int ExitCode, string Stdout, string Stderr)> NumaAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "numa"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
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

    [Theory]
    [InlineData("Required argument 'DIR' missing", "wal", "verify")]
    [InlineData("DIR is empty", "wal", "verify", "")]
    [InlineData("DIR is empty", "wal", "inspect", " ")]
    [InlineData("Unrecognized command or argument '--bogus'", "topology", "--bogus")]
    [InlineData("Required argument missing for option: '--cpuset'", "check", "--cpuset")]
    [InlineData("Unrecognized command or argument '--nope'", "bench-index", "--nope")]
    [InlineData("Required command was not provided")]
    [InlineData("--sysfs-root /tmp is for topology, check and graph", "serve", "--sysfs-root", "/tmp")]
    public async Task A_usage_error_exits_2_with_the_problem_on_stderr(string expected, params string[] arguments)
    {
        var (exitCode, _, stderr) = await NumaAsync(arguments);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task A_directory_given_as_a_dataset_is_named_as_one()
    {
        using var folder = new TempFolder();

        var (exitCode, _, stderr) = await NumaAsync("load", "--collection", "c", folder.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{folder.Path} is a directory; name a dataset file in it", stderr);
    }

    [Fact]
    public async Task Help_exits_0()
    {
        var (exitCode, stdout, _) = await NumaAsync("wal", "verify", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("numa wal verify <DIR>", stdout);
    }

    [Fact]
    public async Task Serve_with_a_cpuset_it_may_not_use_says_so_in_one_line_without_a_stack_trace()
    {
        using var folder = new TempFolder();

        var (exitCode, stdout, stderr) = await NumaAsync("serve", "--data", folder.Path, "--cpuset", "0-4095",
            "--data-port", "0", "--meta-port", "0", "--admin-port", "0");

        Assert.Equal(2, exitCode);
        Assert.Contains("numa serve: The cpuset 0-4095 includes CPUs", stderr);
        foreach (string output in new[] { stdout, stderr })                 // the console log goes to stdout
        {
            Assert.DoesNotContain("Hosting failed to start", output);
            Assert.DoesNotContain(" at Numa.", output);
        }
    }
}
