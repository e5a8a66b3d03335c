// Why a vector backend refused a request; the Flight service maps each to a gRPC status.
namespace Numa.Flight;

/// <summary>The kind of a <see cref="VectorBackendException"/>, and the gRPC status the Flight service sends for it.</summary>
public enum VectorBackendError
{
    /// <summary>The collection (or item) does not exist → NOT_FOUND.</summary>
    NotFound,

    /// <summary>The collection already exists → ALREADY_EXISTS.</summary>
    AlreadyExists,

    /// <summary>The request is malformed: wrong schema, dimension, k, filter → INVALID_ARGUMENT.</summary>
    InvalidArgument,

    /// <summary>The collection is not in a state that allows the request (e.g. no schema yet) → FAILED_PRECONDITION.</summary>
    FailedPrecondition,

    /// <summary>The backend cannot serve now (shutting down, overloaded) → UNAVAILABLE.</summary>
    Unavailable,
}
