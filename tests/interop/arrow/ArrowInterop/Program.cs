// Arrow IPC interop, C# side.
//   ArrowInterop write DIR   writes ours.arrows (stream) and ours.arrow (file) with Numa.Arrow, and ours.json:
//                            the values they hold, in the canonical JSON form both sides compare.
//   ArrowInterop read DIR    reads theirs.arrows / theirs.arrow (written by apache-arrow) and compares them with
//                            theirs.json; prints "PASS name" or "FAIL name: why" per check.
using Numa.Arrow;
using Numa.Interop.Arrow;

if (args.Length != 2 || args[0] is not ("write" or "read"))
{
    Console.Error.WriteLine("usage: ArrowInterop write|read DIR");
    return 2;
}
string dir = args[1];
Directory.CreateDirectory(dir);
if (args[0] == "write")
{
    var (schema, batches) = Fixture.Build();
    using (var stream = new ArrowStreamWriter(File.Create(Path.Combine(dir, "ours.arrows")), schema))
    {
        foreach (var batch in batches) stream.WriteRecordBatch(batch);
        stream.Finish();
    }
    using (var file = new ArrowFileWriter(File.Create(Path.Combine(dir, "ours.arrow")), schema))
    {
        foreach (var batch in batches) file.WriteRecordBatch(batch);
        file.Finish();
    }
    File.WriteAllText(Path.Combine(dir, "ours.json"), CanonicalJson.Describe(schema, batches));
    Console.WriteLine($"wrote {batches.Count} batches of {schema.Fields.Count} columns to {dir}");
    return 0;
}

int failures = 0;
string expected = File.ReadAllText(Path.Combine(dir, "theirs.json"));
Check("read apache-arrow stream", () =>
{
    using var reader = new ArrowStreamReader(File.ReadAllBytes(Path.Combine(dir, "theirs.arrows")));
    return CanonicalJson.Compare(expected, reader.Schema, [.. reader.ReadAll()]);
});
Check("read apache-arrow stream through System.IO.Stream", () =>
{
    using var reader = new ArrowStreamReader(File.OpenRead(Path.Combine(dir, "theirs.arrows")));
    return CanonicalJson.Compare(expected, reader.Schema, [.. reader.ReadAll()]);
});
Check("read apache-arrow file", () =>
{
    var reader = new ArrowFileReader(File.ReadAllBytes(Path.Combine(dir, "theirs.arrow")));
    return CanonicalJson.Compare(expected, reader.Schema, [.. reader.ReadAll()]);
});
Check("read apache-arrow stream as Flight (header, body) pairs", () =>
{
    var pairs = FlightPairs.Split(File.ReadAllBytes(Path.Combine(dir, "theirs.arrows")));
    var schema = ArrowMessageDecoder.DecodeSchema(pairs[0].Header);
    var batches = new List<ArrowRecordBatch>();
    foreach (var (header, body) in pairs.Skip(1)) batches.Add(ArrowMessageDecoder.DecodeRecordBatch(schema, header, body));
    return CanonicalJson.Compare(expected, schema, batches);
});
return failures == 0 ? 0 : 1;

void Check(string name, Func<string?> check)
{
    string? problem;
    try { problem = check(); }
    catch (Exception e) { problem = $"{e.GetType().Name}: {e.Message}"; }
    if (problem is null) Console.WriteLine($"PASS {name}");
    else { failures++; Console.WriteLine($"FAIL {name}: {problem}"); }
}
