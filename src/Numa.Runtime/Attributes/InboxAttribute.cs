// [Inbox]: a pinned worker's message handler; the generator wires one ring per producer instance into it.
namespace Numa;

/// <summary>
/// Marks a method <c>void On(in TMessage message)</c> (or by value) of a <see cref="PinnedWorkerAttribute"/> class as
/// the handler for an unmanaged message type. Every <c>Outbox&lt;TMessage&gt;</c> of another worker type is wired to
/// it: one single-producer/single-consumer ring per (producer instance, consumer instance), on the producer's node.
/// The handler runs on the worker's pinned thread, in batches; it must not block or await (NUMA2001, NUMA2002).
/// </summary>
[global::System.AttributeUsage(global::System.AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
#if BUILDING_SOURCE_GENERATOR
internal
#else
public
#endif
sealed class InboxAttribute : global::System.Attribute
{
}
