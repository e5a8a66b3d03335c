// The small pieces of PROTOCOL-HTTP2.md both sides need: header names, content types, grpc-timeout parsing and
// formatting, percent-encoding of grpc-message, and the mappings of HTTP statuses and HTTP/2 error codes to
// gRPC statuses.
using System.Globalization;
using System.Text;

namespace Numa.Grpc;

internal static class GrpcProtocol
{
    internal const string ContentType = "application/grpc";
    internal const string StatusHeader = "grpc-status";
    internal const string MessageHeader = "grpc-message";
    internal const string TimeoutHeader = "grpc-timeout";
    internal const string EncodingHeader = "grpc-encoding";
    internal const string AcceptEncodingHeader = "grpc-accept-encoding";
    internal const string AcceptedEncodings = "identity";
    internal const int PrefixLength = 5;

    /// <summary>Timeouts beyond this are treated as none (a timer cannot be armed for longer: ~49 days).</summary>
    internal static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>"application/grpc", "application/grpc+proto", or either with ";parameters".</summary>
    internal static bool IsProtoContentType(string? value)
    {
        if (value is null || !value.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)) return false;
        var rest = value.AsSpan(ContentType.Length);
        if (rest.StartsWith("+proto", StringComparison.OrdinalIgnoreCase)) rest = rest[6..];
        return rest.IsEmpty || rest[0] == ';';
    }

    /// <summary>Parses <c>grpc-timeout</c>: TimeoutValue (1-8 ASCII digits) then TimeoutUnit H M S m u n
    /// (PROTOCOL-HTTP2.md "Requests"). Returns false on anything else.</summary>
    internal static bool TryParseTimeout(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > 9) return false;
        var digits = value[..^1];
        foreach (char c in digits)
            if (c is < '0' or > '9') return false;
        long n = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = n * TimeSpan.TicksPerHour; break;
            case 'M': ticks = n * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = n * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = n * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = n * TimeSpan.TicksPerMicrosecond; break;
            case 'n': ticks = (n + 99) / 100; break; // 1 tick = 100 ns; round up so a deadline never comes early
            default: return false;
        }
        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>Formats a timeout in the finest unit whose value fits in 8 digits, rounding up.</summary>
    internal static string FormatTimeout(TimeSpan timeout)
    {
        long ticks = Math.Max(timeout.Ticks, 1);
        const long Max = 99_999_999;
        (long perUnit, char unit)[] units =
        [
            (TimeSpan.TicksPerMicrosecond, 'u'), (TimeSpan.TicksPerMillisecond, 'm'), (TimeSpan.TicksPerSecond, 'S'),
            (TimeSpan.TicksPerMinute, 'M'), (TimeSpan.TicksPerHour, 'H'),
        ];
        foreach (var (perUnit, unit) in units)
        {
            long value = (ticks + perUnit - 1) / perUnit;
            if (value <= Max) return string.Create(CultureInfo.InvariantCulture, $"{value}{unit}");
        }
        return "99999999H";
    }

    /// <summary>Percent-encodes a status message: UTF-8, then every byte outside 0x20-0x7E and '%' as %XX
    /// (PROTOCOL-HTTP2.md "Percent-Encoded").</summary>
    internal static string EncodeMessage(string message)
    {
        bool plain = true;
        foreach (char c in message)
            if (c is < ' ' or > '~' or '%') { plain = false; break; }
        if (plain) return message;
        var sb = new StringBuilder(message.Length * 3);
        foreach (byte b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%') sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Decodes a percent-encoded status message. Never fails: a broken %-escape is kept as it is
    /// (PROTOCOL-HTTP2.md: "implementations MUST NOT error or throw away the message").</summary>
    internal static string DecodeMessage(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (!value.Contains('%')) return value;
        var bytes = new List<byte>(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '%' && i + 2 < value.Length &&
                byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                foreach (byte x in Encoding.UTF8.GetBytes(c.ToString())) bytes.Add(x);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The status a client synthesizes for a non-200 HTTP response (grpc/grpc doc/http-grpc-status-mapping.md).</summary>
    internal static GrpcStatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => GrpcStatusCode.Internal,
        401 => GrpcStatusCode.Unauthenticated,
        403 => GrpcStatusCode.PermissionDenied,
        404 => GrpcStatusCode.Unimplemented,
        429 or 502 or 503 or 504 => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    /// <summary>The status for an RST_STREAM error code (PROTOCOL-HTTP2.md "Errors").</summary>
    internal static GrpcStatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x7 => GrpcStatusCode.Unavailable,       // REFUSED_STREAM
        0x8 => GrpcStatusCode.Cancelled,         // CANCEL
        0xB => GrpcStatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
        0xC => GrpcStatusCode.PermissionDenied,  // INADEQUATE_SECURITY
        _ => GrpcStatusCode.Internal,
    };
}
