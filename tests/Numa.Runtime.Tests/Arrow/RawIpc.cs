// Hand-built Arrow IPC messages for malformed-input tests: a RecordBatch header with whatever nodes, buffers,
// lengths and flags a test needs, and a framer that turns (header, body) pairs into a stream.
using System.Buffers.Binary;
using Numa.Arrow;
using Numa.Arrow.FlatBuffers;

namespace Numa.Tests.Arrow;

internal static class RawIpc
{
    /// <summary>A Message FlatBuffer holding a RecordBatch with these nodes and buffers.</summary>
    public static byte[] RecordBatch(long length, (long Length, long Nulls)[] nodes, (long Offset, long Length)[] buffers,
        long bodyLength, short version = 4, bool compressed = false, byte headerType = 3)
    {
        var b = new FlatBufferBuilder();
        int compression = 0;
        if (compressed)
        {
            b.StartTable(2);
            b.AddField(0, (byte)1); // ZSTD
            compression = b.EndTable();
        }
        b.StartVector(16, buffers.Length, 8);
        for (int i = buffers.Length - 1; i >= 0; i--) { b.PutInt64(buffers[i].Length); b.PutInt64(buffers[i].Offset); }
        int bufferVector = b.EndVector(buffers.Length);
        b.StartVector(16, nodes.Length, 8);
        for (int i = nodes.Length - 1; i >= 0; i--) { b.PutInt64(nodes[i].Nulls); b.PutInt64(nodes[i].Length); }
        int nodeVector = b.EndVector(nodes.Length);
        b.StartTable(4);
        b.AddField(0, length);
        b.AddOffsetField(1, nodeVector);
        b.AddOffsetField(2, bufferVector);
        if (compressed) b.AddOffsetField(3, compression);
        int batch = b.EndTable();
        b.StartTable(5);
        b.AddField(0, version);
        b.AddField(1, headerType);
        b.AddOffsetField(2, batch);
        b.AddField(3, bodyLength);
        b.Finish(b.EndTable());
        return b.WrittenSpan.ToArray();
    }

    /// <summary>A Schema message of <paramref name="fields"/> Bool fields whose names and one metadata pair each all
    /// point at the same two strings (FlatBuffers allows it; Arrow's writers never do it).</summary>
    public static byte[] SchemaSharingStrings(int fields, string name, string value)
    {
        var b = new FlatBufferBuilder();
        int nameString = b.CreateString(name), valueString = b.CreateString(value);
        b.StartTable(0);
        int boolType = b.EndTable();
        b.StartTable(2);
        b.AddOffsetField(0, nameString);
        b.AddOffsetField(1, valueString);
        int pair = b.EndTable();
        int metadata = b.CreateOffsetVector([pair]);
        var tables = new int[fields];
        for (int i = 0; i < fields; i++)
        {
            b.StartTable(7);
            b.AddOffsetField(0, nameString);
            b.AddField(2, (byte)6);                                   // Type.Bool
            b.AddOffsetField(3, boolType);
            b.AddOffsetField(6, metadata);
            tables[i] = b.EndTable();
        }
        int fieldVector = b.CreateOffsetVector(tables);
        b.StartTable(4);
        b.AddOffsetField(1, fieldVector);
        int schema = b.EndTable();
        b.StartTable(5);
        b.AddField(0, (short)4);                                      // V5
        b.AddField(1, (byte)1);                                       // MessageHeader.Schema
        b.AddOffsetField(2, schema);
        b.Finish(b.EndTable());
        return b.WrittenSpan.ToArray();
    }

    public static byte[] SchemaHeader(ArrowSchema schema) => new ArrowMessageEncoder().EncodeSchema(schema).ToArray();

    /// <summary>A stream: each header padded to 8 behind the 0xFFFFFFFF marker and length, then its body; then EOS.</summary>
    public static byte[] Stream(params (byte[] Header, byte[] Body)[] messages)
    {
        var output = new MemoryStream();
        Span<byte> prefix = stackalloc byte[8];
        foreach (var (header, body) in messages)
        {
            int padded = (header.Length + 7) & ~7;
            BinaryPrimitives.WriteInt32LittleEndian(prefix, -1);
            BinaryPrimitives.WriteInt32LittleEndian(prefix[4..], padded);
            output.Write(prefix);
            output.Write(header);
            output.Write(new byte[padded - header.Length]);
            output.Write(body);
        }
        output.Write([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
        return output.ToArray();
    }

    /// <summary>A stream of one batch of <paramref name="schema"/> with a hand-made header.</summary>
    public static byte[] OneBatch(ArrowSchema schema, byte[] header, byte[] body) =>
        Stream((SchemaHeader(schema), []), (header, body));
}
