// The `numa` executable (the apphost built next to these tests) run as a process: usage errors exit 2 with one
// line naming the problem and no stack trace, like every command's own errors; 1 stays a result (a torn WAL tail).
namespace Numa.Cli.Tests;

public sealed class ExitCodeTests
{
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
        var (exitCode, _, stderr) = await NumaProcess.NumaAsync(arguments);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task A_directory_given_as_a_dataset_is_named_as_one()
    {
        using var folder = new TempFolder();

        var (exitCode, _, stderr) = await NumaProcess.NumaAsync("load", "--collection", "c", folder.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{folder.Path} is a directory; name a dataset file in it", stderr);
    }

    [Fact]
    public async Task Help_exits_0()
    {
        var (exitCode, stdout, _) = await NumaProcess.NumaAsync("wal", "verify", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("numa wal verify <DIR>", stdout);
    }

    [Fact]
    public async Task Serve_with_a_cpuset_it_may_not_use_says_so_in_one_line_without_a_stack_trace()
    {
        using var folder = new TempFolder();

        var (exitCode, stdout, stderr) = await NumaProcess.NumaAsync("serve", "--data", folder.Path, "--cpuset", "0-4095",
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
