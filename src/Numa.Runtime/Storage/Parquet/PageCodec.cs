// Compresses and decompresses page bodies with the codecs of ParquetCompression, never trusting a size it is given.
using System.IO.Compression;

namespace Numa.Storage.Parquet;

/// <summary>Page body compression (parquet-format Compression.md: SNAPPY is the raw block format, GZIP is RFC 1952).
/// SNAPPY pages are encoded by IronSnappy and decoded by <see cref="SnappyDecoder"/>.</summary>
internal static class PageCodec
{
    public static void Compress(ParquetCompression codec, ReadOnlySpan<byte> source, PageBuffer destination)
    {
        switch (codec)
        {
            case ParquetCompression.Uncompressed:
                destination.Append(source);
                break;
            case ParquetCompression.Snappy:
                destination.Append(IronSnappy.Snappy.Encode(source));
                break;
            case ParquetCompression.Gzip:
            {
                using var stream = new PageBufferStream(destination);
                using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(source);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(codec), codec, "unsupported compression");
        }
    }

    /// <summary>Decompresses <paramref name="count"/> bytes of <paramref name="array"/> at <paramref name="offset"/> into exactly <paramref name="destination"/>.</summary>
    /// <returns>Null on success, otherwise what is wrong (a size mismatch or corrupt input).</returns>
    public static string? Decompress(ParquetCompression codec, byte[] array, int offset, int count, Span<byte> destination)
    {
        ReadOnlySpan<byte> source = array.AsSpan(offset, count);
        switch (codec)
        {
            case ParquetCompression.Uncompressed:
                if (count != destination.Length) return $"uncompressed page holds {count} bytes but declares {destination.Length}";
                source.CopyTo(destination);
                return null;
            case ParquetCompression.Snappy:
                return SnappyDecoder.Decode(source, destination);
            case ParquetCompression.Gzip:
                try
                {
                    using var gzip = new GZipStream(new MemoryStream(array, offset, count, writable: false), CompressionMode.Decompress);
                    int total = 0;
                    while (total < destination.Length)
                    {
                        int n = gzip.Read(destination[total..]);
                        if (n == 0) return $"gzip data ends after {total} of {destination.Length} bytes";
                        total += n;
                    }
                    Span<byte> probe = stackalloc byte[1];
                    if (gzip.Read(probe) != 0) return $"gzip data decodes to more than the {destination.Length} bytes declared";
                    return null;
                }
                catch (InvalidDataException e)
                {
                    return $"gzip data is corrupt ({e.Message})";
                }
            default:
                return $"compression codec {(int)codec} is not supported";
        }
    }

    /// <summary>A write-only stream that appends to a <see cref="PageBuffer"/> (GZipStream's sink).</summary>
    private sealed class PageBufferStream(PageBuffer buffer) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => buffer.Length;
        public override long Position { get => buffer.Length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] b, int o, int c) => throw new NotSupportedException();
        public override long Seek(long o, SeekOrigin s) => throw new NotSupportedException();
        public override void SetLength(long v) => throw new NotSupportedException();
        public override void Write(byte[] b, int o, int c) => buffer.Append(b.AsSpan(o, c));
        public override void Write(ReadOnlySpan<byte> b) => buffer.Append(b);
    }
}
