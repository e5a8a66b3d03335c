// One predicate of a search or scan ticket (Longbow's TicketQuery filter: field, operator, value).
namespace Numa.Flight;

/// <summary>A filter <c>{"field","operator","value"}</c> from a search ticket or VectorSearch action
/// (Longbow internal/query: operators <c>=</c>/<c>==</c>, <c>!=</c>, <c>&gt;</c>, <c>&gt;=</c>, <c>&lt;</c>,
/// <c>&lt;=</c>, <c>contains</c>). The value is kept as text; the backend parses it for the field's type.</summary>
public sealed record VectorFilter(string Field, string Operator, string Value);
