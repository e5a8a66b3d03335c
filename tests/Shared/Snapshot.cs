// Snapshot approval in the Verify style: Snapshots/{name}.verified.cs is committed; a mismatch writes
// {name}.received.cs next to it and fails with the first differing line. Approve by renaming received -> verified,
// or run once with ACCEPT_SNAPSHOTS=1 and review the git diff.
using System.Runtime.CompilerServices;

namespace Numa.Tests.Roslyn;

internal static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        string dir = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        string verified = Path.Combine(dir, name + ".verified.cs");
        string received = Path.Combine(dir, name + ".received.cs");
        string normalized = Normalize(actual);
        if (File.Exists(verified) && Normalize(File.ReadAllText(verified)) == normalized)
        {
            File.Delete(received);
            return;
        }
        Directory.CreateDirectory(dir);
        if (Environment.GetEnvironmentVariable("ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, normalized);
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, normalized);
        throw new Xunit.Sdk.XunitException(File.Exists(verified)
            ? $"Snapshot mismatch for {name}. Compare:\n  {received}\n  {verified}\n{FirstDifference(File.ReadAllText(verified), normalized)}"
            : $"No approved snapshot for {name}. Review and rename:\n  {received}\n-> {verified}");
    }

    private static string Normalize(string s) => s.Replace("\r\n", "\n").TrimStart('\uFEFF').TrimEnd() + "\n";

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = Normalize(expected).Split('\n'), a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<eof>", al = i < a.Length ? a[i] : "<eof>";
            if (el != al) return $"line {i + 1}:\n  expected: {el}\n  actual:   {al}";
        }
        return "";
    }
}
