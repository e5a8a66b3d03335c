// The .NET calls that block the calling thread: sleeping, waiting on tasks and locks, synchronous I/O.
using Microsoft.CodeAnalysis;

namespace Numa.Analyzers;

internal static class BlockingApis
{
    /// <summary>A short name for a blocking member ("Thread.Sleep", "Task.Result"), or null when it does not block.</summary>
    public static string? Describe(ISymbol member)
    {
        var type = member.ContainingType;
        if (type is null) return null;
        string name = member.Name;
        string typeName = type.OriginalDefinition.ToDisplayString();
        bool blocks = typeName switch
        {
            "System.Threading.Thread" => name is "Sleep" or "Join",
            "System.Threading.Tasks.Task" => name is "Wait" or "WaitAll" or "WaitAny" or "RunSynchronously",
            "System.Threading.Tasks.Task<TResult>" => name is "Result" or "Wait",
            "System.Threading.Tasks.ValueTask<TResult>" => name is "Result",
            "System.Runtime.CompilerServices.TaskAwaiter" or "System.Runtime.CompilerServices.TaskAwaiter<TResult>"
                or "System.Runtime.CompilerServices.ValueTaskAwaiter" or "System.Runtime.CompilerServices.ValueTaskAwaiter<TResult>" => name is "GetResult",
            "System.Threading.Monitor" => name is "Enter" or "Wait" or "TryEnter",
            "System.Threading.Lock" => name is "Enter" or "EnterScope",
            "System.Threading.SemaphoreSlim" or "System.Threading.ManualResetEventSlim" or "System.Threading.CountdownEvent"
                or "System.Threading.Barrier" => name is "Wait" or "SignalAndWait",
            "System.Threading.WaitHandle" => name is "WaitOne" or "WaitAll" or "WaitAny",
            "System.IO.File" => !name.EndsWith("Async") && (name.StartsWith("Open") || name.StartsWith("Read") || name.StartsWith("Write") || name.StartsWith("Append") || name is "Copy" or "Move" or "Delete" or "Create"),
            "System.IO.Stream" => name is "Read" or "Write" or "Flush" or "CopyTo" or "ReadByte" or "WriteByte" or "ReadExactly" or "ReadAtLeast",
            "System.IO.TextReader" or "System.IO.StreamReader" => name is "Read" or "ReadLine" or "ReadToEnd" or "ReadBlock",
            "System.IO.TextWriter" or "System.IO.StreamWriter" => name is "Flush",
            "System.Console" => name is "ReadLine" or "Read" or "ReadKey",
            "System.Net.Sockets.Socket" => name is "Receive" or "Send" or "Accept" or "Connect" or "ReceiveFrom" or "SendTo",
            "System.Net.Http.HttpClient" => name is "Send",
            "System.Diagnostics.Process" => name is "WaitForExit",
            _ => false,
        };
        if (!blocks && member is IMethodSymbol { IsOverride: true } method && method.OverriddenMethod is { } overridden)
            return Describe(overridden);
        return blocks ? $"{type.Name}.{name}" : null;
    }
}
