// The test message: who sent it and its sequence number, so receivers can check loss, duplicates and order.
namespace Numa.Tests.Messaging;

public readonly record struct Message(int Producer, long Sequence);

/// <summary>A 64-byte message, for batch-boundary tests with larger slots.</summary>
public unsafe struct WideMessage
{
    public long Sequence;
    public fixed long Payload[7];
}
