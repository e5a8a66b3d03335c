// One metadata key and value: ASCII text, or bytes for keys that end in "-bin".
namespace Numa.Grpc;

/// <summary>One metadata entry. Keys are lowercase (PROTOCOL-HTTP2.md "Header-Name": 0-9 a-z _ - .); a key ending in
/// <c>-bin</c> carries bytes (<see cref="ValueBytes"/>, base64 on the wire), any other key printable ASCII
/// (<see cref="Value"/>).</summary>
public sealed class GrpcMetadataEntry
{
    private readonly string? _value;
    private readonly byte[]? _bytes;

    internal GrpcMetadataEntry(string key, string value)
    {
        Key = key;
        _value = value;
    }

    internal GrpcMetadataEntry(string key, byte[] value)
    {
        Key = key;
        _bytes = value;
    }

    /// <summary>The lowercase key.</summary>
    public string Key { get; }

    /// <summary>True when the key ends in <c>-bin</c> and the value is bytes.</summary>
    public bool IsBinary => _bytes is not null;

    /// <summary>The ASCII value.</summary>
    /// <exception cref="InvalidOperationException">The entry is binary; use <see cref="ValueBytes"/>.</exception>
    public string Value => _value ?? throw new InvalidOperationException($"Metadata '{Key}' is binary; read ValueBytes.");

    /// <summary>The binary value (decoded from base64).</summary>
    /// <exception cref="InvalidOperationException">The entry is ASCII; use <see cref="Value"/>.</exception>
    public byte[] ValueBytes => _bytes ?? throw new InvalidOperationException($"Metadata '{Key}' is ASCII; read Value.");

    /// <summary>The value as sent on the wire: the ASCII text, or unpadded base64 of the bytes.</summary>
    internal string WireValue => _value ?? Convert.ToBase64String(_bytes!).TrimEnd('=');

    /// <inheritdoc/>
    public override string ToString() => IsBinary ? $"{Key}: <{_bytes!.Length} bytes>" : $"{Key}: {_value}";
}
