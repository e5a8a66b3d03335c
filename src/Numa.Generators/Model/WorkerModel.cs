// The value model of one [PinnedWorker] class: everything the emitter needs, as strings and primitives (no symbols,
// no syntax), so the incremental pipeline can compare it by value.
using Numa.Generators.Helpers;

namespace Numa.Generators.Model;

internal sealed record WorkerModel(
    string Namespace,                 // "" for the global namespace
    string Name,                      // simple class name
    string FullName,                  // global::-qualified
    bool IsPublic,                    // effectively public (NumaApp exposes the set with the same accessibility)
    int Policy,                       // PinPolicyKind
    int PerNode,
    bool PerCpu,
    int Count,
    int Node,
    string? Cpus,
    bool HasRun,
    bool HasOnStart,
    bool HasOnStop,
    EquatableArray<MemberModel> Members,
    EquatableArray<InboxModel> Inboxes,
    EquatableArray<OutboxModel> Outboxes);

internal enum MemberKind
{
    LocalRef,          // [NumaPlacement(Local)] partial ref T P { get; }
    LocalSpan,         // [NumaPlacement(Local, Length = n)] partial Span<T> P { get; }
    InterleavedSpan,   // [NumaPlacement(Interleaved, Length = n)] static partial Span<T> P { get; }
}

internal sealed record MemberModel(string Name, MemberKind Kind, string ElementType, int Length, string Accessibility);

internal sealed record InboxModel(string Method, string MessageType, bool ByIn)
{
    /// <summary>The generated field holding this handler's rings; unique even when handlers overload one name.</summary>
    public string Field => "__numaInbox_" + Method + "_" + NumaGenerator.Emitter.Identifier(MessageType.Replace("global::", ""));
}

internal sealed record OutboxModel(string Name, string MessageType, string Accessibility);

internal sealed record AppModel(string Namespace, EquatableArray<WorkerModel> Workers);
