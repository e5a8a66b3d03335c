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
            if (current is IAnonymousFunctionOperation && SinkOf(current) is { } sink) return sink;
            // A local function reaches the API as a method group (Task.Run(Work)): look for where it is converted
            // to a delegate in the body around it.
            if (current is ILocalFunctionOperation local)
            {
                IOperation body = local;
                while (body.Parent is not null) body = body.Parent;
                foreach (var reference in body.Descendants())
                    if (reference is IMethodReferenceOperation method && SymbolEqualityComparer.Default.Equals(method.Method, local.Symbol)
                        && SinkOf(method) is { } hop)
                        return hop;
            }
        }
        return null;
    }

    // The delegate a lambda or method group becomes is an argument of the call that receives it.
    private static string? SinkOf(IOperation function)
    {
        for (var outer = function.Parent; outer is not null; outer = outer.Parent)
        {
            if (outer is IArgumentOperation argument)
            {
                return argument.Parent switch
                {
                    IInvocationOperation call => Sink(call.TargetMethod),
                    IObjectCreationOperation creation when creation.Constructor is not null => Sink(creation.Constructor),
                    _ => null,
                };
            }
            if (outer is not (IDelegateCreationOperation or IConversionOperation)) return null;
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
