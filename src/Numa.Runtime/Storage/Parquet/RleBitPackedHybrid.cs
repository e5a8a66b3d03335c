// The RLE / bit-packing hybrid that Parquet uses for repetition and definition levels and dictionary indices.
using System.Buffers.Binary;
using System.Numerics;

namespace Numa.Storage.Parquet;

/// <summary>
/// Encodes and decodes the RLE / bit-packing hybrid (parquet-format Encodings.md, "Run Length Encoding /
/// Bit-Packing Hybrid (RLE = 3)"): <c>rle-run = varint(count &lt;&lt; 1), value in ceil(width/8) bytes LE</c>;
/// <c>bit-packed-run = varint(groups &lt;&lt; 1 | 1)</c>, then groups of 8 values packed LSB first.
/// Data page v1 levels carry a 4-byte little-endian length before the runs; dictionary indices do not.
/// </summary>
internal static class RleBitPackedHybrid
{
    /// <summary>Bits needed for values 0..<paramref name="maxValue"/>.</summary>
    public static int BitWidth(int maxValue) => maxValue == 0 ? 0 : 32 - int.LeadingZeroCount(maxValue);

    /// <summary>Appends <paramref name="values"/> (each &lt; 2^<paramref name="bitWidth"/>, width 1..8) with the
    /// 4-byte length prefix of data page v1 levels. Runs of 8 or more equal values become RLE runs; the rest is
    /// bit-packed in groups of 8, the last group padded with zeros (readers stop at the page's value count).</summary>
    public static void WriteWithLength(PageBuffer output, ReadOnlySpan<byte> values, int bitWidth)
    {
        int lengthAt = output.Length;
        output.Advance(4);
        int start = output.Length;
        int i = 0;
        while (i < values.Length)
        {
            int run = RunLength(values, i);
            if (run >= 8)
            {
                WriteVarint(output, (ulong)run << 1);
                output.Append(values[i]);
                i += run;
                continue;
            }
            // Bit-pack groups of 8 until a run of 8 or more begins at a group boundary (or the input ends).
            int groupsStart = i;
            do
            {
                i += 8;
            }
            while (i < values.Length && RunLength(values, i) < 8);
            int end = Math.Min(i, values.Length);
            int groups = (i - groupsStart) / 8;
            WriteVarint(output, ((ulong)groups << 1) | 1);
            Span<byte> packed = output.GetSpan(groups * bitWidth);
            packed.Clear();
            int bit = 0;
            for (int k = groupsStart; k < end; k++, bit += bitWidth)
            {
                int v = values[k];
                packed[bit >> 3] |= (byte)(v << (bit & 7));
                if ((bit & 7) + bitWidth > 8) packed[(bit >> 3) + 1] |= (byte)(v >> (8 - (bit & 7)));
            }
            output.Advance(groups * bitWidth);
            i = Math.Min(i, values.Length);
        }
        BinaryPrimitives.WriteInt32LittleEndian(output.Written.Slice(lengthAt, 4), output.Length - start);
    }

    /// <summary>
    /// Decodes exactly <c>output.Length</c> values of <paramref name="bitWidth"/> bits (0..32; the caller picks a
    /// <typeparamref name="T"/> wide enough for <paramref name="maxValue"/>) from
    /// <paramref name="data"/>, which holds the runs only (no length prefix); a last bit-packed run may declare more values than needed. Values above
    /// <paramref name="maxValue"/>, runs past the end of the input and RLE runs that would yield more than
    /// <c>output.Length</c> values are errors.
    /// </summary>
    /// <returns>Null on success, otherwise what is wrong.</returns>
    public static string? Decode<T>(ReadOnlySpan<byte> data, int bitWidth, uint maxValue, Span<T> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        int pos = 0, n = 0, byteWidth = (bitWidth + 7) / 8;
        while (n < output.Length)
        {
            if (!TryReadVarint(data, ref pos, out ulong header)) return $"run header at byte {pos} is truncated";
            ulong count = header >> 1;
            if ((header & 1) == 0)
            {
                if (count == 0 || count > int.MaxValue) return $"RLE run of {count} values";
                if (data.Length - pos < byteWidth) return "RLE run value is truncated";
                uint value = 0;
                for (int b = 0; b < byteWidth; b++) value |= (uint)data[pos + b] << (8 * b);
                pos += byteWidth;
                if (value > maxValue) return $"level or index {value} exceeds the maximum {maxValue}";
                if (count > (ulong)(output.Length - n)) return $"RLE run of {count} values overruns the {output.Length} expected";
                output.Slice(n, (int)count).Fill(T.CreateTruncating(value));
                n += (int)count;
            }
            else
            {
                ulong values = count * 8;
                if (count == 0 || values > int.MaxValue) return $"bit-packed run of {count} groups";
                // A run may declare more values than the page needs (writers pad, DuckDB by whole runs); only
                // the values the page declares are kept, and only their bytes must be present.
                int take = (int)Math.Min(values, (ulong)(output.Length - n));
                long bytes = Math.Min((long)count * bitWidth, ((long)take * bitWidth + 7) / 8);
                if (data.Length - pos < bytes) return $"bit-packed run of {values} values needs {bytes} bytes, {data.Length - pos} left";
                ReadOnlySpan<byte> packed = data.Slice(pos, (int)bytes);
                uint mask = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
                long bit = 0;
                for (int k = 0; k < take; k++, bit += bitWidth)
                {
                    int at = (int)(bit >> 3), shift = (int)(bit & 7);
                    ulong word = 0;
                    for (int b = 0; b < 5 && at + b < packed.Length; b++) word |= (ulong)packed[at + b] << (8 * b);
                    uint value = (uint)(word >> shift) & mask;
                    if (value > maxValue) return $"level or index {value} exceeds the maximum {maxValue}";
                    output[n + k] = T.CreateTruncating(value);
                }
                pos += (int)Math.Min((long)count * bitWidth, data.Length - pos);
                n += take;
            }
        }
        return null;
    }

    /// <summary>
    /// Checks, from the run headers alone, that <paramref name="data"/> (runs only, as for <see cref="Decode"/>)
    /// holds at least <paramref name="count"/> values with every byte they need present, so a caller can make room
    /// for a declared count only once the data is seen to hold it. The values themselves are left to
    /// <see cref="Decode"/>.
    /// </summary>
    /// <returns>Null when the runs hold the values, otherwise what is wrong.</returns>
    public static string? CheckRuns(ReadOnlySpan<byte> data, int bitWidth, int count)
    {
        int pos = 0, byteWidth = (bitWidth + 7) / 8;
        long n = 0;
        while (n < count)
        {
            if (!TryReadVarint(data, ref pos, out ulong header)) return $"run header at byte {pos} is truncated ({n} of {count} values)";
            ulong runs = header >> 1;
            if ((header & 1) == 0)
            {
                if (runs == 0 || runs > int.MaxValue) return $"RLE run of {runs} values";
                if (data.Length - pos < byteWidth) return "RLE run value is truncated";
                pos += byteWidth;
                n += (long)runs;
            }
            else
            {
                if (runs == 0 || runs * 8 > int.MaxValue) return $"bit-packed run of {runs} groups";
                long take = Math.Min((long)runs * 8, count - n);
                long bytes = Math.Min((long)runs * bitWidth, (take * bitWidth + 7) / 8);
                if (data.Length - pos < bytes) return $"bit-packed run of {runs * 8} values needs {bytes} bytes, {data.Length - pos} left";
                pos += (int)Math.Min((long)runs * bitWidth, data.Length - pos);
                n += take;
            }
        }
        return null;
    }

    private static int RunLength(ReadOnlySpan<byte> values, int start)
    {
        byte v = values[start];
        int end = start + 1;
        while (end < values.Length && values[end] == v) end++;
        return end - start;
    }

    private static void WriteVarint(PageBuffer output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Append((byte)(value | 0x80));
            value >>= 7;
        }
        output.Append((byte)value);
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int pos, out ulong value)
    {
        value = 0;
        for (int i = 0; i < 5; i++)
        {
            if (pos >= data.Length) return false;
            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80) return true;
        }
        return false;
    }
}
