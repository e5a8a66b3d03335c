// The Prometheus text exposition of System.Diagnostics.Metrics instruments: names, types, label escaping, histogram
// buckets, observable instruments read at scrape time, and meters outside the selection left out.
using System.Diagnostics.Metrics;
using Numa.Hosting;

namespace Numa.Tests.Hosting;

public sealed class PrometheusExporterTests
{
    [Fact]
    public void Counters_gauges_and_histograms_render_in_the_text_format()
    {
        using var meter = new Meter("Numa.Test.Exporter." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(m => m == meter);
        var rows = meter.CreateCounter<long>("test.rows", "{row}", "Rows seen.");
        var latency = meter.CreateHistogram<double>("test.latency", "s", "Latency.");
        var queue = meter.CreateUpDownCounter<int>("test.queue", "{item}", "Queue length.");
        int observed = 5;
        meter.CreateObservableGauge("test.bytes", () => new Measurement<long>(observed, new KeyValuePair<string, object?>("node", 1)), "By", "Bytes.");

        rows.Add(2, new KeyValuePair<string, object?>("method", "put"));
        rows.Add(3, new KeyValuePair<string, object?>("method", "put"));
        rows.Add(1, new KeyValuePair<string, object?>("method", "say \"hi\"\n\\"));
        queue.Add(4);
        queue.Add(-1);
        latency.Record(0.0002);
        latency.Record(0.003);
        latency.Record(20);

        string text = exporter.Render();
        Assert.Contains("# HELP test_rows_total Rows seen.\n# TYPE test_rows_total counter\n", text);
        Assert.Contains("test_rows_total{method=\"put\"} 5\n", text);
        Assert.Contains("test_rows_total{method=\"say \\\"hi\\\"\\n\\\\\"} 1\n", text);
        Assert.Contains("# TYPE test_queue gauge\ntest_queue 3\n", text);
        Assert.Contains("# TYPE test_bytes gauge\ntest_bytes{node=\"1\"} 5\n", text);   // the unit suffix is not doubled
        Assert.Contains("# TYPE test_latency_seconds histogram\n", text);
        Assert.Contains("test_latency_seconds_bucket{le=\"0.0001\"} 0\n", text);
        Assert.Contains("test_latency_seconds_bucket{le=\"0.00025\"} 1\n", text);
        Assert.Contains("test_latency_seconds_bucket{le=\"0.005\"} 2\n", text);
        Assert.Contains("test_latency_seconds_bucket{le=\"10\"} 2\n", text);
        Assert.Contains("test_latency_seconds_bucket{le=\"+Inf\"} 3\n", text);
        Assert.Contains("test_latency_seconds_sum 20.0032\n", text);
        Assert.Contains("test_latency_seconds_count 3\n", text);

        observed = 7;                                           // observables are read again at every scrape
        Assert.Contains("test_bytes{node=\"1\"} 7\n", exporter.Render());
    }

    [Fact]
    public void Meters_outside_the_selection_and_after_disposal_are_not_rendered()
    {
        using var kept = new Meter("Numa.Test.Kept." + Guid.NewGuid().ToString("N"));
        var dropped = new Meter("Numa.Test.Dropped." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(m => m == kept || m == dropped);
        kept.CreateCounter<int>("kept.count").Add(1);
        dropped.CreateCounter<int>("dropped.count").Add(1);
        Assert.Contains("dropped_count_total 1", exporter.Render());
        dropped.Dispose();
        string text = exporter.Render();
        Assert.Contains("kept_count_total 1", text);
        Assert.DoesNotContain("dropped_count", text);
    }

    [Fact]
    public void Label_names_are_valid_NaN_never_poisons_a_sum_and_a_name_is_exported_once()
    {
        using var meter = new Meter("Numa.Test.Edges." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(m => m == meter);
        meter.CreateCounter<long>("edge.calls").Add(1, new KeyValuePair<string, object?>("rpc:method", "x"), new KeyValuePair<string, object?>("__name", "y"));
        var latency = meter.CreateHistogram<double>("edge.latency", "s");
        latency.Record(double.NaN);
        latency.Record(0.5);
        var rows = meter.CreateCounter<double>("edge.rows");
        rows.Add(double.NaN);
        rows.Add(2);
        meter.CreateGauge<double>("edge.ratio").Record(double.NaN);
        meter.CreateCounter<long>("edge_calls").Add(40);               // sanitizes to edge_calls_total as well

        string text = exporter.Render();
        Assert.Contains("edge_calls_total{_name=\"y\",rpc_method=\"x\"} 1\n", text);
        Assert.DoesNotContain("edge_calls_total 40", text);
        Assert.Single(text.Split('\n'), line => line == "# TYPE edge_calls_total counter");
        Assert.Contains("edge_latency_seconds_count 1\n", text);
        Assert.Contains("edge_latency_seconds_sum 0.5\n", text);
        Assert.Contains("edge_latency_seconds_bucket{le=\"0.0001\"} 0\n", text);
        Assert.Contains("edge_rows_total 2\n", text);
        Assert.Contains("edge_ratio NaN\n", text);
    }

    [Theory]
    [InlineData("numa.server.search.duration", "s", false, "numa_server_search_duration_seconds")]
    [InlineData("numa.ring.messages_sent", "{message}", true, "numa_ring_messages_sent_total")]
    [InlineData("hnsw.memory", "By", false, "hnsw_memory_bytes")]
    [InlineData("9lives-x", null, false, "_9lives_x")]
    [InlineData("requests_total", null, true, "requests_total")]
    [InlineData("probe.bytes_total", "By", true, "probe_bytes_total")]
    [InlineData("probe.sent_total", "s", true, "probe_sent_seconds_total")]
    public void Names_follow_Prometheus_conventions(string name, string? unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusExporter.MetricName(name, unit, counter));

    [Fact]
    public void Tags_that_map_to_one_label_name_give_one_label_and_a_histograms_le_tag_is_renamed()
    {
        using var meter = new Meter("Numa.Test.Labels." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(m => m == meter);
        meter.CreateCounter<long>("probe.c").Add(1, new("a.b", "1"), new("a_b", "2"));
        meter.CreateCounter<long>("probe.d").Add(1, new KeyValuePair<string, object?>[] { new("k", "1"), new("k", "2") });
        meter.CreateHistogram<double>("probe.h", "s").Record(0.5, new KeyValuePair<string, object?>("le", "x"));

        string text = exporter.Render();
        Assert.Contains("probe_c_total{a_b=\"2\"} 1\n", text);
        Assert.Contains("probe_d_total{k=\"2\"} 1\n", text);
        Assert.Contains("probe_h_seconds_bucket{exported_le=\"x\",le=\"0.0001\"} 0\n", text);
        Assert.Contains("probe_h_seconds_count{exported_le=\"x\"} 1\n", text);
    }

    [Fact]
    public void An_instrument_named_like_another_ones_series_is_not_exported()
    {
        using var meter = new Meter("Numa.Test.Series." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(m => m == meter);
        meter.CreateHistogram<double>("probe.h2").Record(1);
        meter.CreateGauge<double>("probe.h2_count").Record(99);

        string text = exporter.Render();
        Assert.Equal(["probe_h2_count 1"], text.Split('\n').Where(line => line.StartsWith("probe_h2_count", StringComparison.Ordinal)));
        Assert.DoesNotContain("# TYPE probe_h2_count", text);
    }

    [Fact]
    public void A_failing_observable_callback_loses_only_its_own_series()
    {
        using var meter = new Meter("Numa.Test.Observe." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(m => m == meter);
        meter.CreateObservableGauge<long>("probe.broken", new Func<long>(() => throw new ObjectDisposedException("inbox")));
        meter.CreateObservableGauge<long>("probe.fine", () => 7);

        string text = exporter.Render();
        Assert.Contains("probe_fine 7\n", text);
        Assert.DoesNotContain("probe_broken ", text);
        Assert.Contains("# an observable instrument's callback failed: ObjectDisposedException: ", text);
    }

    [Fact]
    public void Bucket_advice_of_an_integer_histogram_is_used()
    {
        using var meter = new Meter("Numa.Test.Advice." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(m => m == meter);
        meter.CreateHistogram<long>("probe.rows", null, null, null, new InstrumentAdvice<long> { HistogramBucketBoundaries = [10, 100] }).Record(50);

        string text = exporter.Render();
        Assert.Contains("probe_rows_bucket{le=\"10\"} 0\n", text);
        Assert.Contains("probe_rows_bucket{le=\"100\"} 1\n", text);
        Assert.DoesNotContain("le=\"0.0001\"", text);
    }
}
