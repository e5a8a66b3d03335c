// Splits an IPC stream into the (data_header, data_body) pairs Arrow Flight would carry, to prove the per-message
// decoder works on exactly those pieces.
using System.Buffers.Binary;

namespace Numa.Interop.Arrow;

internal static class FlightPairs
{
    public static List<(byte[] Header, byte[] Body)> Split(byte[] stream)
    {
        var pairs = new List<(byte[], byte[])>();
        int at = 0;
        while (at + 8 <= stream.Length)
        {
            if (BinaryPrimitives.ReadInt32LittleEndian(stream.AsSpan(at)) != -1) throw new InvalidDataException($"no continuation marker at {at}");
            int length = BinaryPrimitives.ReadInt32LittleEndian(stream.AsSpan(at + 4));
            if (length == 0) break;
            var header = stream.AsSpan(at + 8, length).ToArray();
            long bodyLength = Numa.Arrow.ArrowMessageDecoder.GetBodyLength(header);
            var body = stream.AsSpan(at + 8 + length, (int)bodyLength).ToArray();
            pairs.Add((header, body));
            at += 8 + length + (int)bodyLength;
        }
        return pairs;
    }
}
