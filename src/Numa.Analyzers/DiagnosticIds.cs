// Numa's diagnostic IDs (NUMA0xxx usage, NUMA1xxx cross-node access, NUMA2xxx pinning and queues), as constants for
// the code fixes and tests. Each has a help page: docs/diagnostics/{ID}.md.
namespace Numa.Analyzers;

/// <summary>Diagnostic IDs.</summary>
public static class DiagnosticIds
{
    /// <summary>A [NumaPlacement] type or member element type is not unmanaged.</summary>
    public const string PlacementTypeNotUnmanaged = "NUMA0001";
    /// <summary>An [Inbox] message type is not unmanaged.</summary>
    public const string MessageTypeNotUnmanaged = "NUMA0002";
    /// <summary>A [PinnedWorker] class is not partial.</summary>
    public const string WorkerNotPartial = "NUMA0003";
    /// <summary>A [PinnedWorker] class is nested, generic, static, abstract, or has no parameterless constructor.</summary>
    public const string WorkerShapeNotSupported = "NUMA0004";
    /// <summary>Contradictory or incomplete [PinnedWorker] settings.</summary>
    public const string InvalidWorkerConfiguration = "NUMA0005";
    /// <summary>An [Inbox] method with the wrong shape, outside a worker, or a second one for the same message type.</summary>
    public const string InvalidInbox = "NUMA0006";
    /// <summary>A [NumaPlacement] member the generator cannot implement.</summary>
    public const string InvalidPlacedMember = "NUMA0007";
    /// <summary>An Outbox&lt;T&gt; property in a worker that the generator cannot implement and connect.</summary>
    public const string InvalidOutbox = "NUMA0008";
    /// <summary>A worker method named Run, OnStart or OnStop without the shape the generated thread body calls.</summary>
    public const string LifecycleMethodNotCalled = "NUMA0009";
    /// <summary>One worker touches another worker instance's Local state.</summary>
    public const string CrossWorkerLocalAccess = "NUMA1001";
    /// <summary>A worker, or the address of its Local state, is stored in a static.</summary>
    public const string LocalStateEscapesToStatic = "NUMA1002";
    /// <summary>A message type carries Local state.</summary>
    public const string LocalStateInMessage = "NUMA1003";
    /// <summary>Local state used in a lambda that runs on another thread.</summary>
    public const string LocalStateCapturedByLambda = "NUMA1004";
    /// <summary>A worker writes Interleaved (shared read-mostly) data.</summary>
    public const string InterleavedWrite = "NUMA1005";
    /// <summary>A blocking call inside a pinned [Inbox] handler.</summary>
    public const string BlockingCallInHandler = "NUMA2001";
    /// <summary>await inside a pinned [Inbox] handler.</summary>
    public const string AwaitInHandler = "NUMA2002";
    /// <summary>An outbox whose message type no worker consumes.</summary>
    public const string OutboxWithoutConsumer = "NUMA2003";
    /// <summary>An outbox written from outside its own worker instance's thread (a second producer on its rings).</summary>
    public const string RingWithSecondProducer = "NUMA2004";
    /// <summary>Several worker types consume the same message type: an outbox cannot be wired.</summary>
    public const string MessageWithSeveralConsumers = "NUMA2005";
}
