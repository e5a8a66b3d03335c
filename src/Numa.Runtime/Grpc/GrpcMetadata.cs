// Custom metadata of a call: request headers a handler reads (e.g. authorization), response headers and trailers
// it sends, and what a client sends and receives.
using System.Collections;
using Microsoft.Extensions.Primitives;

namespace Numa.Grpc;

/// <summary>An ordered list of metadata entries (PROTOCOL-HTTP2.md "Custom-Metadata"). Keys are lowercase; keys
/// ending in <c>-bin</c> hold bytes, sent as base64 (unpadded; padded and unpadded are accepted). Keys starting
/// with <c>grpc-</c> are reserved for the protocol and refused, as are pseudo-headers.</summary>
public sealed class GrpcMetadata : IReadOnlyList<GrpcMetadataEntry>
{
    private readonly List<GrpcMetadataEntry> _entries = [];

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>The entry at <paramref name="index"/>.</summary>
    public GrpcMetadataEntry this[int index] => _entries[index];

    /// <summary>Adds an ASCII entry.</summary>
    /// <exception cref="ArgumentException">The key is not a valid metadata key, is reserved, ends in <c>-bin</c>,
    /// or the value holds characters outside printable ASCII (0x20-0x7E).</exception>
    public GrpcMetadata Add(string key, string value)
    {
        key = ValidateKey(key);
        if (key.EndsWith("-bin", StringComparison.Ordinal))
            throw new ArgumentException($"Metadata key '{key}' ends in -bin and takes a byte[] value.", nameof(key));
        foreach (char c in value)
        {
            if (c is < ' ' or > '~')
                throw new ArgumentException($"Metadata '{key}' holds character U+{(int)c:X4}; ASCII values allow 0x20-0x7E only (use a -bin key for bytes).", nameof(value));
        }
        _entries.Add(new GrpcMetadataEntry(key, value));
        return this;
    }

    /// <summary>Adds a binary entry; the key must end in <c>-bin</c>.</summary>
    /// <exception cref="ArgumentException">The key is not a valid metadata key, is reserved, or does not end in <c>-bin</c>.</exception>
    public GrpcMetadata Add(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        key = ValidateKey(key);
        if (!key.EndsWith("-bin", StringComparison.Ordinal))
            throw new ArgumentException($"Metadata key '{key}' takes a string value; binary values need a key ending in -bin.", nameof(key));
        _entries.Add(new GrpcMetadataEntry(key, value));
        return this;
    }

    /// <summary>The first ASCII value for <paramref name="key"/>, or null.</summary>
    public string? GetValue(string key)
    {
        foreach (var e in _entries)
            if (!e.IsBinary && string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)) return e.Value;
        return null;
    }

    /// <summary>The first binary value for <paramref name="key"/> (which ends in <c>-bin</c>), or null.</summary>
    public byte[]? GetValueBytes(string key)
    {
        foreach (var e in _entries)
            if (e.IsBinary && string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)) return e.ValueBytes;
        return null;
    }

    /// <inheritdoc/>
    public IEnumerator<GrpcMetadataEntry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void AddEntry(GrpcMetadataEntry entry) => _entries.Add(entry);

    /// <summary>True for header names that the protocol owns and that metadata never carries.</summary>
    internal static bool IsProtocolHeader(string name) =>
        name.StartsWith(':') || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase) || name.Equals("te", StringComparison.OrdinalIgnoreCase)
        || name.Equals("host", StringComparison.OrdinalIgnoreCase) || name.Equals("content-length", StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds one received header (not a protocol header). Duplicate values may arrive joined with ","
    /// (PROTOCOL-HTTP2.md "Custom-Metadata"); binary values are split on "," before base64 decoding.</summary>
    /// <exception cref="RpcException">INTERNAL: a <c>-bin</c> value is not base64.</exception>
    internal void AddReceived(string name, StringValues values)
    {
        string key = name.ToLowerInvariant();
        bool binary = key.EndsWith("-bin", StringComparison.Ordinal);
        foreach (string? value in values)
        {
            if (value is null) continue;
            if (!binary)
            {
                _entries.Add(new GrpcMetadataEntry(key, value));
                continue;
            }
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
                _entries.Add(new GrpcMetadataEntry(key, DecodeBase64(key, part)));
        }
    }

    private static byte[] DecodeBase64(string key, string value)
    {
        int pad = (4 - value.Length % 4) % 4;
        string padded = pad == 0 ? value : value + new string('=', pad);
        byte[] bytes = new byte[padded.Length / 4 * 3];
        if (pad == 3 || !Convert.TryFromBase64String(padded, bytes, out int written))
            throw new RpcException(GrpcStatusCode.Internal, $"Metadata '{key}' is not valid base64: '{value}'.");
        return bytes.AsSpan(0, written).ToArray();
    }

    private static string ValidateKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        string lower = key.ToLowerInvariant();
        foreach (char c in lower)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'z') or '_' or '-' or '.'))
                throw new ArgumentException($"Metadata key '{key}' holds '{c}'; keys allow 0-9 a-z _ - . only.", nameof(key));
        }
        if (IsProtocolHeader(lower))
            throw new ArgumentException($"Metadata key '{key}' is reserved for the gRPC protocol.", nameof(key));
        return lower;
    }
}
