// One worker instance of a worker graph, as `numa graph` prints it.
namespace Numa.Workers;

/// <summary>One worker instance: its type, index, CPU and node, and the rule that counted it.</summary>
public sealed record WorkerDescription(string Worker, int Index, int Cpu, int Node, string Policy, string Count);
