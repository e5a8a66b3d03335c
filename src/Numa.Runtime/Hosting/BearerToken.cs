// The one check of an `authorization: Bearer <token>` header that Flight and the admin API share, so a header one
// accepts the other accepts too.
using System.Security.Cryptography;
using System.Text;

namespace Numa.Hosting;

/// <summary>Bearer-token checks (RFC 6750 §2.1: the scheme name is case-insensitive).</summary>
public static class BearerToken
{
    private const string Scheme = "Bearer ";

    /// <summary>True when <paramref name="authorization"/> is <c>Bearer &lt;token&gt;</c> (any case of the scheme,
    /// surrounding whitespace ignored) and the token's UTF-8 bytes equal <paramref name="token"/>, compared in constant
    /// time. False for a missing header or another scheme.</summary>
    public static bool Matches(string? authorization, ReadOnlySpan<byte> token)
    {
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim()), token);
    }
}
