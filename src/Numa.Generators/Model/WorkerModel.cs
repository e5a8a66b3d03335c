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

// Modifiers: the definition's modifier keywords as written ("private partial", "public static partial",
// "protected virtual unsafe partial"); the implementing part must repeat them (CS8799, CS8800, CS0764).
internal sealed record MemberModel(string Name, MemberKind Kind, string ElementType, int Length, string Modifiers);

// Field: the generated field holding this handler's rings, unique in its worker (the parser numbers clashes such as
// On(A.B) and On(A_B)).
internal sealed record InboxModel(string Method, string MessageType, bool ByIn, string Field);

// DeclaredType: the property's type as written, nullable annotation included (Outbox<M>? must be implemented as such, CS9256).
internal sealed record OutboxModel(string Name, string MessageType, string DeclaredType, string Modifiers);

internal sealed record AppModel(string Namespace, EquatableArray<WorkerModel> Workers);
