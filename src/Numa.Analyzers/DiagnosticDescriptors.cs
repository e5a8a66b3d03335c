// Every Numa diagnostic, in one place: title, one-sentence message that says what to do instead, help link.
using Microsoft.CodeAnalysis;

namespace Numa.Analyzers;

/// <summary>Numa's diagnostic descriptors.</summary>
public static class DiagnosticDescriptors
{
    private const string HelpRoot = "https://github.com/numa-dotnet/numa/blob/main/docs/diagnostics/";

    private static DiagnosticDescriptor Rule(string id, string title, string message, string category,
        DiagnosticSeverity severity = DiagnosticSeverity.Warning) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");

    /// <summary>NUMA0001: "Type '{0}' is not unmanaged: {1} memory holds only unmanaged data (no references); use blittable fields or store indices instead".</summary>
    public static readonly DiagnosticDescriptor PlacementTypeNotUnmanaged = Rule(DiagnosticIds.PlacementTypeNotUnmanaged,
        "Placed type is not unmanaged",
        "Type '{0}' is not unmanaged: {1} memory holds only unmanaged data (no references); use blittable fields or store indices instead",
        DiagnosticCategories.Usage);

    /// <summary>NUMA0002: "Message type '{0}' is not unmanaged: rings copy messages by value into native memory; use an unmanaged struct".</summary>
    public static readonly DiagnosticDescriptor MessageTypeNotUnmanaged = Rule(DiagnosticIds.MessageTypeNotUnmanaged,
        "Message type is not unmanaged",
        "Message type '{0}' is not unmanaged: rings copy messages by value into native memory; use an unmanaged struct",
        DiagnosticCategories.Usage);

    /// <summary>NUMA0003: "Worker class '{0}' must be partial so the generator can add its thread body and wiring".</summary>
    public static readonly DiagnosticDescriptor WorkerNotPartial = Rule(DiagnosticIds.WorkerNotPartial,
        "Worker class is not partial",
        "Worker class '{0}' must be partial so the generator can add its thread body and wiring",
        DiagnosticCategories.Usage);

    /// <summary>NUMA0004: "Worker class '{0}' cannot be generated: {1}".</summary>
    public static readonly DiagnosticDescriptor WorkerShapeNotSupported = Rule(DiagnosticIds.WorkerShapeNotSupported,
        "Worker class shape is not supported",
        "Worker class '{0}' cannot be generated: {1}",
        DiagnosticCategories.Usage);

    /// <summary>NUMA0005: "[PinnedWorker] on '{0}': {1}".</summary>
    public static readonly DiagnosticDescriptor InvalidWorkerConfiguration = Rule(DiagnosticIds.InvalidWorkerConfiguration,
        "Invalid [PinnedWorker] settings",
        "[PinnedWorker] on '{0}': {1}",
        DiagnosticCategories.Usage, DiagnosticSeverity.Error);

    /// <summary>NUMA0006: "Inbox '{0}': {1}".</summary>
    public static readonly DiagnosticDescriptor InvalidInbox = Rule(DiagnosticIds.InvalidInbox,
        "Invalid [Inbox] handler",
        "Inbox '{0}': {1}",
        DiagnosticCategories.Usage, DiagnosticSeverity.Error);

    /// <summary>NUMA0007: "[NumaPlacement] member '{0}': {1}".</summary>
    public static readonly DiagnosticDescriptor InvalidPlacedMember = Rule(DiagnosticIds.InvalidPlacedMember,
        "Invalid [NumaPlacement] member",
        "[NumaPlacement] member '{0}': {1}",
        DiagnosticCategories.Usage, DiagnosticSeverity.Error);

    /// <summary>NUMA0008: "Outbox '{0}': {1}".</summary>
    public static readonly DiagnosticDescriptor InvalidOutbox = Rule(DiagnosticIds.InvalidOutbox,
        "Invalid outbox",
        "Outbox '{0}': {1}",
        DiagnosticCategories.Usage, DiagnosticSeverity.Error);

    /// <summary>NUMA0009: "'{0}' is not called by the generated worker thread: {1}".</summary>
    public static readonly DiagnosticDescriptor LifecycleMethodNotCalled = Rule(DiagnosticIds.LifecycleMethodNotCalled,
        "Lifecycle method is not called",
        "'{0}' is not called by the generated worker thread: {1}",
        DiagnosticCategories.Usage);

    /// <summary>NUMA1001: "'{0}' is Local state of another worker instance, on that worker's node; send that worker a message instead of touching its memory".</summary>
    public static readonly DiagnosticDescriptor CrossWorkerLocalAccess = Rule(DiagnosticIds.CrossWorkerLocalAccess,
        "Access to another worker's Local state",
        "'{0}' is Local state of another worker instance, on that worker's node; send that worker a message instead of touching its memory",
        DiagnosticCategories.Placement);

    /// <summary>NUMA1002: "{0} escapes into static '{1}', where any thread on any node can reach it; keep Local state inside its worker and share copies through messages".</summary>
    public static readonly DiagnosticDescriptor LocalStateEscapesToStatic = Rule(DiagnosticIds.LocalStateEscapesToStatic,
        "Local state escapes into a static",
        "{0} escapes into static '{1}', where any thread on any node can reach it; keep Local state inside its worker and share copies through messages",
        DiagnosticCategories.Placement);

    /// <summary>NUMA1003: "Message type '{0}' carries Local state ('{1}'): the consumer may run on another node; send the values it needs, not the node-local state".</summary>
    public static readonly DiagnosticDescriptor LocalStateInMessage = Rule(DiagnosticIds.LocalStateInMessage,
        "Local state in a message",
        "Message type '{0}' carries Local state ('{1}'): the consumer may run on another node; send the values it needs, not the node-local state",
        DiagnosticCategories.Placement);

    /// <summary>NUMA1004: "'{0}' is Local state used in a lambda passed to '{1}', which runs on another thread and maybe another node; do the work on the worker's own thread".</summary>
    public static readonly DiagnosticDescriptor LocalStateCapturedByLambda = Rule(DiagnosticIds.LocalStateCapturedByLambda,
        "Local state used on another thread",
        "'{0}' is Local state used in a lambda passed to '{1}', which runs on another thread and maybe another node; do the work on the worker's own thread",
        DiagnosticCategories.Placement);

    /// <summary>NUMA1005: "'{0}' is Interleaved shared data and is written here by a worker; write it before the workers start, or make it Local per worker".</summary>
    public static readonly DiagnosticDescriptor InterleavedWrite = Rule(DiagnosticIds.InterleavedWrite,
        "Worker writes Interleaved data",
        "'{0}' is Interleaved shared data and is written here by a worker; write it before the workers start, or make it Local per worker",
        DiagnosticCategories.Placement);

    /// <summary>NUMA2001: "'{0}' blocks the pinned thread of handler '{1}' and every message queued behind it; use a non-blocking call, or do it on a thread that is not pinned and send back the result".</summary>
    public static readonly DiagnosticDescriptor BlockingCallInHandler = Rule(DiagnosticIds.BlockingCallInHandler,
        "Blocking call in a pinned handler",
        "'{0}' blocks the pinned thread of handler '{1}' and every message queued behind it; use a non-blocking call, or do it on a thread that is not pinned and send back the result",
        DiagnosticCategories.Pinning);

    /// <summary>NUMA2002: "await in handler '{0}' resumes on a thread-pool thread, off the worker's CPU and node; keep handlers synchronous and send a message when the awaited work completes".</summary>
    public static readonly DiagnosticDescriptor AwaitInHandler = Rule(DiagnosticIds.AwaitInHandler,
        "await in a pinned handler",
        "await in handler '{0}' resumes on a thread-pool thread, off the worker's CPU and node; keep handlers synchronous and send a message when the awaited work completes",
        DiagnosticCategories.Pinning);

    /// <summary>NUMA2003: "Outbox '{0}' sends '{1}' but no [PinnedWorker] has an [Inbox] for it; add a handler or remove the outbox".</summary>
    public static readonly DiagnosticDescriptor OutboxWithoutConsumer = Rule(DiagnosticIds.OutboxWithoutConsumer,
        "Outbox without a consumer",
        "Outbox '{0}' sends '{1}' but no [PinnedWorker] has an [Inbox] for it; add a handler or remove the outbox",
        DiagnosticCategories.Pinning);

    /// <summary>NUMA2004: "Outbox '{0}' is written {1}: its rings are single-producer and belong to the owning worker's thread; send from that worker's own code".</summary>
    public static readonly DiagnosticDescriptor RingWithSecondProducer = Rule(DiagnosticIds.RingWithSecondProducer,
        "Ring written by a second producer",
        "Outbox '{0}' is written {1}: its rings are single-producer and belong to the owning worker's thread; send from that worker's own code",
        DiagnosticCategories.Pinning);

    /// <summary>NUMA2005: "Message type '{0}' has [Inbox] handlers in several worker types ({1}); outbox '{2}' cannot be wired; use a distinct message type per consumer".</summary>
    public static readonly DiagnosticDescriptor MessageWithSeveralConsumers = Rule(DiagnosticIds.MessageWithSeveralConsumers,
        "Message type has several consumer types",
        "Message type '{0}' has [Inbox] handlers in several worker types ({1}); outbox '{2}' cannot be wired; use a distinct message type per consumer",
        DiagnosticCategories.Pinning, DiagnosticSeverity.Error);
}
