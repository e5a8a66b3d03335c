// Whether Numa binds memory and pins threads on this machine, decided once at startup.
namespace Numa;

/// <summary>What <see cref="NumaPlatform"/> decided about memory binding at startup.</summary>
public enum BindingState
{
    /// <summary>Two or more nodes can hold memory and the kernel accepts memory-policy calls: arenas are bound.</summary>
    Active,

    /// <summary>One node (or one allowed node) holds memory: nothing to bind, no binding syscalls are made.</summary>
    SingleNode,

    /// <summary>The kernel refused memory-policy calls (EPERM under seccomp, ENOSYS without CONFIG_NUMA):
    /// one-node mode, logged once.</summary>
    Unavailable,

    /// <summary>Turned off on purpose (<see cref="NumaPlatformOptions.Overprovisioned"/>): no binding, no pinning.</summary>
    Disabled,
}
