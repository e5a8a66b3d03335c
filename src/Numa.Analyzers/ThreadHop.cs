// Finds whether an operation sits in a lambda (or local function) that is handed to an API which runs it on another
// thread: Task.Run, TaskFactory.StartNew, ContinueWith, ThreadPool, new Thread, Timer, Parallel.
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Numa.Analyzers;

internal static class ThreadHop
{
    /// <summary>The API (for example "Task.Run") that runs the enclosing lambda elsewhere, or null.</summary>
    public static string? Find(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is not (IAnonymousFunctionOperation or ILocalFunctionOperation)) continue;
            // The delegate the lambda becomes is an argument of the call that receives it.
            for (var outer = current.Parent; outer is not null; outer = outer.Parent)
            {
                if (outer is IArgumentOperation argument)
                {
                    var sink = argument.Parent switch
                    {
                        IInvocationOperation call => Sink(call.TargetMethod),
                        IObjectCreationOperation creation when creation.Constructor is not null => Sink(creation.Constructor),
                        _ => null,
                    };
                    if (sink is not null) return sink;
                    break;
                }
                if (outer is not (IDelegateCreationOperation or IConversionOperation)) break;
            }
        }
        return null;
    }

    private static string? Sink(IMethodSymbol method)
    {
        string type = method.ContainingType.OriginalDefinition.ToDisplayString();   // Task<TResult>, not Task<int>
        return (type, method.Name) switch
        {
            ("System.Threading.Tasks.Task", "Run") => "Task.Run",
            ("System.Threading.Tasks.TaskFactory", "StartNew") => "TaskFactory.StartNew",
            ("System.Threading.Tasks.TaskFactory<TResult>", "StartNew") => "TaskFactory.StartNew",
            ("System.Threading.Tasks.Task", "ContinueWith") => "Task.ContinueWith",
            ("System.Threading.Tasks.Task<TResult>", "ContinueWith") => "Task.ContinueWith",
            ("System.Threading.Tasks.Task", ".ctor") => "new Task",
            ("System.Threading.ThreadPool", "QueueUserWorkItem") => "ThreadPool.QueueUserWorkItem",
            ("System.Threading.ThreadPool", "UnsafeQueueUserWorkItem") => "ThreadPool.UnsafeQueueUserWorkItem",
            ("System.Threading.Thread", ".ctor") => "new Thread",
            ("System.Threading.Timer", ".ctor") => "new Timer",
            ("System.Threading.Tasks.Parallel", "For") => "Parallel.For",
            ("System.Threading.Tasks.Parallel", "ForEach") => "Parallel.ForEach",
            ("System.Threading.Tasks.Parallel", "Invoke") => "Parallel.Invoke",
            _ => null,
        };
    }
}
