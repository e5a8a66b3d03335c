// The resource decisions Numa makes once per process, as Seastar does at startup: the topology it sees,
// whether memory is bound and threads are pinned, and the per-node memory accounts. Logged once.
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Numa.Memory;
using Numa.Native;
using Numa.Topology;

namespace Numa;

/// <summary>
/// The NUMA view of this process: <see cref="Topology"/>, the <see cref="Binding"/> decision and one
/// <see cref="NodeMemory"/> per node. <see cref="Current"/> is detected on first use; <see cref="Create"/>
/// builds one with explicit options (tests, hosts).
/// </summary>
public sealed class NumaPlatform
{
    private static readonly Lazy<NumaPlatform> s_current = new(() => Create(new NumaPlatformOptions()));
    private readonly Dictionary<int, NodeMemory> _nodeMemory;
    private readonly ILogger _logger;
    private volatile int _binding;
    private string _bindingReason;

    private NumaPlatform(NumaTopology topology, BindingState binding, string reason, bool pinning, ILogger logger)
    {
        Topology = topology;
        _binding = (int)binding;
        _bindingReason = reason;
        PinningEnabled = pinning;
        _logger = logger;
        _nodeMemory = topology.Nodes.ToDictionary(n => n.Id, n => new NodeMemory(this, n));
    }

    /// <summary>The platform of this process with default options, detected on first use.</summary>
    public static NumaPlatform Current => s_current.Value;

    /// <summary>The topology Numa uses (restricted to <see cref="NumaPlatformOptions.Cpuset"/> when given).</summary>
    public NumaTopology Topology { get; }

    /// <summary>Whether arenas are bound to nodes.</summary>
    public BindingState Binding => (BindingState)_binding;

    /// <summary>Why <see cref="Binding"/> is what it is, in words (for logs and <c>numa topology</c>).</summary>
    public string BindingReason => _bindingReason;

    /// <summary>True when workers pin themselves to CPUs (false when overprovisioned).</summary>
    public bool PinningEnabled { get; }

    /// <summary>The logger the platform and its arenas and workers write to.</summary>
    internal ILogger Logger => _logger;

    /// <summary>The memory account of node <paramref name="nodeId"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such node.</exception>
    public NodeMemory Node(int nodeId) => _nodeMemory.TryGetValue(nodeId, out var m)
        ? m
        : throw new ArgumentOutOfRangeException(nameof(nodeId), nodeId, $"There is no NUMA node {nodeId}; the nodes are {string.Join(",", _nodeMemory.Keys)}.");

    /// <summary>Every node's memory account, ascending by node id.</summary>
    public IReadOnlyList<NodeMemory> Nodes => [.. Topology.Nodes.Select(n => _nodeMemory[n.Id])];

    /// <summary>The node the calling thread runs on now (getcpu(2)); where that is unknown (another OS, a node
    /// outside the topology), the first node that holds memory. For memory a thread is about to own.</summary>
    public int CurrentNode()
    {
        if (LibC.IsSupportedPlatform)
        {
            int node = NumaSyscalls.GetCpu().Node;
            if (Topology.HasNode(node)) return node;
        }
        return Topology.MemoryNodes.Count > 0 ? Topology.MemoryNodes[0].Id : Topology.Nodes[0].Id;
    }

    /// <summary>Detects the topology, decides binding and pinning, and logs both (one line each).</summary>
    /// <exception cref="NumaConfigurationException"><see cref="NumaPlatformOptions.Cpuset"/> names CPUs this
    /// process may not use.</exception>
    /// <exception cref="NumaTopologyException">sysfs is malformed.</exception>
    public static NumaPlatform Create(NumaPlatformOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var topology = NumaTopology.Detect(options.Topology);
        if (options.Cpuset is { } cpuset)
        {
            if (cpuset.IsEmpty)
                throw new NumaConfigurationException($"The cpuset is empty; name the CPUs to use (for example 0-3,8) or leave it unset for all allowed CPUs ({topology.AllowedCpus}).");
            var outside = cpuset.Except(topology.AllowedCpus);
            if (!outside.IsEmpty)
                throw new NumaConfigurationException(
                    $"The cpuset {cpuset} includes CPUs {outside} that this process may not use; the allowed CPUs are {topology.AllowedCpus}. " +
                    "Pick a cpuset inside them (taskset, the cgroup's cpuset.cpus and isolcpus decide what is allowed).");
            topology = topology.RestrictTo(cpuset);
        }

        var (binding, reason) = DecideBinding(topology, options.Overprovisioned);
        var platform = new NumaPlatform(topology, binding, reason, pinning: !options.Overprovisioned, logger);
        logger.LogInformation("NUMA topology detected nodes={Nodes} cpus={Cpus} topology=\"{Topology}\"",
            topology.Nodes.Count, topology.AllowedCpus.ToString(), topology.Describe());
        foreach (string warning in topology.Warnings) logger.LogWarning("NUMA topology: {Warning}", warning);
        if (binding == BindingState.Unavailable) logger.LogWarning("NUMA binding unavailable: {Reason}", reason);
        else logger.LogInformation("NUMA binding {Binding}: {Reason}", Format(binding), reason);
        return platform;
    }

    private static (BindingState, string) DecideBinding(NumaTopology topology, bool overprovisioned)
    {
        if (overprovisioned) return (BindingState.Disabled, "overprovisioned mode: no memory binding, no thread pinning");
        if (!topology.IsMultiNode)
            return (BindingState.SingleNode, "one node can hold memory: nothing to bind, no binding syscalls");
        if (!LibC.IsSupportedPlatform) return (BindingState.Unavailable, "NUMA calls are only made on Linux x86-64 and arm64; running in one-node mode");
        int errno = NumaSyscalls.ProbeMemPolicy();
        if (errno != 0)
            return (BindingState.Unavailable, $"get_mempolicy failed with {Errno.Name(errno)}; running in one-node mode, memory is not bound");
        return (BindingState.Active, $"{topology.MemoryNodes.Count} nodes hold memory; arenas are bound before first touch");
    }

    /// <summary>Switches to one-node mode after the kernel refused a binding call with EPERM/ENOSYS (logs once).</summary>
    internal void MarkBindingUnavailable(NumaNativeException error)
    {
        if (Interlocked.CompareExchange(ref _binding, (int)BindingState.Unavailable, (int)BindingState.Active) != (int)BindingState.Active) return;
        _bindingReason = $"{error.Call} failed with {Errno.Name(error.Errno)}; running in one-node mode, memory is not bound";
        _logger.LogWarning("NUMA binding unavailable: {Reason}", _bindingReason);
    }

    /// <summary>The binding state as <c>numa topology --json</c> spells it: active, single-node, unavailable or
    /// disabled (overprovisioned: binding and pinning turned off).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="state"/> is not a <see cref="BindingState"/>.</exception>
    public static string Format(BindingState state) => state switch
    {
        BindingState.Active => "active",
        BindingState.SingleNode => "single-node",
        BindingState.Unavailable => "unavailable",
        BindingState.Disabled => "disabled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a BindingState"),
    };
}
