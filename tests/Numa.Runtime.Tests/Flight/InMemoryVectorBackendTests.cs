// The in-memory backend called directly (no server): what it refuses, and that a k far above the live rows is
// answered with every row instead of sizing a heap for k.
using Numa.Arrow;
using Numa.Flight;

namespace Numa.Tests.Flight;

public class InMemoryVectorBackendTests
{
    private const int Dim = 4;
    private static readonly ArrowSchema Schema = FlightTestHost.Schema(Dim);

    private static async Task<InMemoryVectorBackend> WithRowsAsync(int rows)
    {
        var backend = new InMemoryVectorBackend();
        var put = backend.BeginPut("c", Schema);
        await put.AppendAsync(FlightTestHost.Batch(Schema, 0, rows, seed: 3, out _), TestContext.Current.CancellationToken);
        return backend;
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1_000_000_000)]
    public async Task A_k_above_the_live_row_count_returns_every_row_nearest_first(int k)
    {
        var backend = await WithRowsAsync(7);

        var result = await backend.SearchAsync("c", new float[Dim], k, null, [], TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => (ulong)i).Order(), result.Ids.Order());
        for (int i = 1; i < result.Scores.Length; i++) Assert.True(result.Scores[i - 1] <= result.Scores[i]);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public async Task A_batch_with_a_non_finite_value_is_refused_whole_and_names_the_row(float bad)
    {
        var backend = await WithRowsAsync(3);
        var batch = FlightTestHost.Batch(Schema, 10, 5, seed: 4, out var vectors);
        vectors[2 * Dim + 1] = bad;                                  // the arrays view this buffer
        var put = backend.BeginPut("c", Schema);

        var e = await Assert.ThrowsAsync<VectorBackendException>(() =>
            put.AppendAsync(batch, TestContext.Current.CancellationToken).AsTask());

        Assert.Equal(VectorBackendError.InvalidArgument, e.Error);
        Assert.Contains("row 2 holds", e.Message);
        Assert.Contains("element 1", e.Message);
        Assert.Equal(3, backend.GetCollection("c").Rows);
    }

    [Fact]
    public async Task A_put_whose_vector_items_differ_only_in_nullability_is_refused_naming_the_difference()
    {
        var backend = await WithRowsAsync(3);                        // items not null, as our client sends them
        var nullableItems = new ArrowSchema([
            new ArrowField("id", ArrowType.Int64, nullable: false),
            new ArrowField("vector", ArrowType.FixedSizeList(ArrowType.Float32, Dim), nullable: false), // pyarrow's default
        ]);

        var e = Assert.Throws<VectorBackendException>(() => backend.BeginPut("c", nullableItems));

        Assert.Equal(VectorBackendError.InvalidArgument, e.Error);
        Assert.Contains("field 1 is 'vector: FixedSizeList<Float32 not null>[4] not null' in the collection and "
            + "'vector: FixedSizeList<Float32>[4] not null' in the put", e.Message);
        Assert.Equal(3, backend.GetCollection("c").Rows);
    }

    [Fact]
    public async Task A_query_with_NaN_or_ef_below_k_is_refused()
    {
        var backend = await WithRowsAsync(3);
        var ct = TestContext.Current.CancellationToken;

        var nan = await Assert.ThrowsAsync<VectorBackendException>(() =>
            backend.SearchAsync("c", new[] { 0f, float.NaN, 0f, 0f }, 2, null, [], ct).AsTask());
        Assert.Equal(VectorBackendError.InvalidArgument, nan.Error);
        Assert.Contains("only finite values", nan.Message);

        var ef = await Assert.ThrowsAsync<VectorBackendException>(() =>
            backend.SearchAsync("c", new float[Dim], 5, 2, [], ct).AsTask());
        Assert.Contains("ef (2) must be at least k (5)", ef.Message);
    }
}
