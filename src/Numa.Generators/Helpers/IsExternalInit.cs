// Lets netstandard2.0 compile records and init accessors (the type ships with .NET 5+ only).
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}
