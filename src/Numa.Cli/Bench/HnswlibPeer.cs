// The hnswlib side of `numa bench-index`: Debian's python3-hnswlib in a child Python process, driven one command at
// a time over stdin (hnswlib_bench.py), so that its passes alternate with Numa's on the same CPUs.
using System.Diagnostics;
using System.Text.Json;

namespace Numa.Cli.Bench;

internal sealed class HnswlibPeer : IDisposable
{
    private readonly Process _process;
    private readonly string _script;
    private readonly Task<string> _errors;

    private HnswlibPeer(Process process, string script)
    {
        _process = process;
        _script = script;
        _errors = process.StandardError.ReadToEndAsync();
    }

    public string Version { get; private set; } = "";

    /// <summary>Starts the script; it reads the same files and ground truth, then waits for commands.</summary>
    public static HnswlibPeer Start(string python, Dictionary<string, object> arguments)
    {
        string script = Path.Combine(Path.GetTempPath(), $"numa-hnswlib-bench-{Environment.ProcessId}.py");
        using (var resource = typeof(HnswlibPeer).Assembly.GetManifestResourceStream("hnswlib_bench.py")!)
        using (var file = File.Create(script))
            resource.CopyTo(file);
        var start = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(JsonSerializer.Serialize(arguments));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {python}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            File.Delete(script);
            throw new InvalidOperationException($"cannot start {python}: {e.Message} (apt-get install python3-hnswlib python3-numpy, or pass --python or --no-hnswlib)");
        }
        var peer = new HnswlibPeer(process, script);
        var info = peer.Read("info");
        peer.Version = info.GetProperty("version").ToString();
        return peer;
    }

    /// <summary>Builds hnswlib's index: (seconds, resident-set growth in bytes).</summary>
    public (double Seconds, long RssBytes) Build()
    {
        _process.StandardInput.WriteLine("build");
        _process.StandardInput.Flush();
        var build = Read("build");
        return (build.GetProperty("seconds").GetDouble(), build.GetProperty("rss_bytes").GetInt64());
    }

    /// <summary>One timed pass over all queries: (seconds, recall@k).</summary>
    public (double Seconds, double Recall) Search(int ef, int threads)
    {
        _process.StandardInput.WriteLine($"search {ef} {threads}");
        _process.StandardInput.Flush();
        var search = Read("search");
        return (search.GetProperty("seconds").GetDouble(), search.GetProperty("recall").GetDouble());
    }

    private JsonElement Read(string kind)
    {
        string? line = _process.StandardOutput.ReadLine();
        if (line is null)
        {
            _process.WaitForExit();
            throw new InvalidOperationException($"hnswlib_bench.py exited with {_process.ExitCode} before '{kind}': {_errors.Result.Trim()}");
        }
        var root = JsonDocument.Parse(line).RootElement;
        if (root.GetProperty("kind").GetString() != kind)
            throw new InvalidOperationException($"hnswlib_bench.py answered {line} where '{kind}' was expected");
        return root;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(10_000)) _process.Kill();
            }
        }
        finally
        {
            _process.Dispose();
            File.Delete(_script);
        }
    }
}
