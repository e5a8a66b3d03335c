// The unit of an Arrow Timestamp.
namespace Numa.Arrow;

/// <summary>Schema.fbs <c>TimeUnit</c>; the values are the wire values.</summary>
public enum ArrowTimeUnit : short
{
    /// <summary>Seconds since the Unix epoch.</summary>
    Second = 0,
    /// <summary>Milliseconds since the Unix epoch.</summary>
    Millisecond = 1,
    /// <summary>Microseconds since the Unix epoch.</summary>
    Microsecond = 2,
    /// <summary>Nanoseconds since the Unix epoch.</summary>
    Nanosecond = 3,
}
