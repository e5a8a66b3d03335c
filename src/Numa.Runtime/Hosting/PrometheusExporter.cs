// Prometheus text exposition (format 0.0.4) of System.Diagnostics.Metrics instruments: a MeterListener aggregates
// counters, gauges and histograms by attribute set; Render() writes what a /metrics scrape returns. prometheus-net
// and the OpenTelemetry exporter do not restore here (ENVIRONMENT.md), so this is the small faithful part we need.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Numa.Hosting;

/// <summary>
/// Listens to every instrument of the meters <see cref="PrometheusExporter(Func{Meter, bool}?)"/> selects and renders
/// them in the Prometheus text format (https://prometheus.io/docs/instrumenting/exposition_formats/, "Text format
/// details"): <c>Counter</c>/<c>ObservableCounter</c> → <c>counter</c> named <c>…_total</c>;
/// <c>UpDownCounter</c>/<c>Gauge</c>/<c>ObservableUpDownCounter</c>/<c>ObservableGauge</c> → <c>gauge</c>;
/// <c>Histogram</c> → <c>histogram</c> (<c>_bucket{le}</c> cumulative, <c>_sum</c>, <c>_count</c>). Names are the
/// instrument's with every character outside <c>[a-zA-Z0-9_:]</c> turned into <c>_</c>, plus a unit suffix
/// (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>; annotations like <c>{message}</c> add nothing); tags
/// become labels (names outside <c>[a-zA-Z0-9_]</c> turned into <c>_</c>, a leading <c>__</c> — reserved — into
/// <c>_</c>); two tags that map to one label name keep the last one's value, and a histogram's own tag <c>le</c>
/// becomes <c>exported_le</c> (Prometheus refuses a sample with a repeated label name). When two instruments map to
/// the same metric name — or to a name the other one's series use (<c>x_count</c> beside histogram <c>x</c>) — the
/// first one published is exported and the later ones are not (one name, one HELP/TYPE block). NaN measurements of
/// counters and histograms are dropped (they would poison the sum forever); a gauge may report NaN. Observable
/// instruments are read at each <see cref="Render"/>; a callback that throws loses only its own series for that
/// scrape, reported in a <c># </c> comment line. Thread-safe.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>The content type of <see cref="Render"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Histogram bucket upper bounds used when an instrument gives none (seconds-friendly, 100 µs … 10 s).</summary>
    public static IReadOnlyList<double> DefaultBuckets { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();
    private readonly Dictionary<string, Instrument> _names = new(StringComparer.Ordinal);   // every series name → its instrument (under itself)
    private readonly Lock _scrape = new();

    /// <summary>Starts listening to the meters <paramref name="selectMeter"/> accepts (default: names starting with
    /// <c>Numa</c>), including meters created later.</summary>
    public PrometheusExporter(Func<Meter, bool>? selectMeter = null)
    {
        selectMeter ??= static m => m.Name.StartsWith("Numa", StringComparison.Ordinal);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!selectMeter(instrument.Meter) || Family.KindOf(instrument) is not { } kind) return;
            var family = new Family(instrument, kind);
            lock (_names)
            {
                if (family.SeriesNames.Any(_names.ContainsKey)) return;
                foreach (string name in family.SeriesNames) _names[name] = instrument;
            }
            _families.TryAdd(instrument, family);
            listener.EnableMeasurementEvents(instrument, this);
        };
        _listener.MeasurementsCompleted = (instrument, _) =>
        {
            if (!_families.TryRemove(instrument, out var family)) return;
            lock (_names)
                foreach (string name in family.SeriesNames) _names.Remove(name);
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, state) => ((PrometheusExporter)state!).Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, state) => ((PrometheusExporter)state!).Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, state) => ((PrometheusExporter)state!).Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, state) => ((PrometheusExporter)state!).Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and writes every family in the text format, sorted by name.</summary>
    public string Render()
    {
        lock (_scrape)
        {
            foreach (var family in _families.Values)
                if (family.IsObservable) family.Clear();   // a series that is not observed again disappears
            var text = new StringBuilder();
            try
            {
                _listener.RecordObservableInstruments();   // calls every callback, then throws what any of them threw
            }
            catch (AggregateException failed)
            {
                foreach (var e in failed.InnerExceptions)
                    text.Append("# an observable instrument's callback failed: ")
                        .Append(e.GetType().Name).Append(": ").Append(e.Message.ReplaceLineEndings(" ")).Append('\n');
            }
            foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal)) family.Write(text);
            return text.ToString();
        }
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_families.TryGetValue(instrument, out var family)) family.Record(value, tags);
    }

    /// <summary>The Prometheus metric name of an instrument name and unit.</summary>
    public static string MetricName(string instrumentName, string? unit, bool counter)
    {
        var name = new StringBuilder(instrumentName.Length + 16);
        foreach (char c in instrumentName) name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) name.Insert(0, '_');
        if (counter && name.ToString().EndsWith("_total", StringComparison.Ordinal)) name.Length -= "_total".Length;   // the unit goes before it
        string suffix = unit switch { "s" => "_seconds", "ms" => "_milliseconds", "By" => "_bytes", _ => "" };
        if (suffix.Length > 0 && !name.ToString().EndsWith(suffix, StringComparison.Ordinal)) name.Append(suffix);
        if (counter) name.Append("_total");
        return name.ToString();
    }

    private enum Kind { Counter, Gauge, Histogram }

    // One instrument: its series by label set.
    private sealed class Family
    {
        private readonly Kind _kind;
        private readonly bool _adds;                 // Counter/UpDownCounter/Histogram add; observables and Gauge set
        private readonly double[] _buckets;
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly string _help;

        public Family(Instrument instrument, Kind kind)
        {
            _kind = kind;
            IsObservable = instrument.IsObservable;
            _adds = !instrument.IsObservable && !IsGauge(instrument);
            Name = MetricName(instrument.Name, instrument.Unit, kind == Kind.Counter);
            _help = Escape(instrument.Description ?? instrument.Name, label: false);
            _buckets = AdvisedBuckets(instrument) is { Length: > 0 } advised ? advised : [.. DefaultBuckets];
            SeriesNames = kind == Kind.Histogram ? [Name, Name + "_bucket", Name + "_sum", Name + "_count"] : [Name];
        }

        public string Name { get; }

        /// <summary>The family name and every sample name it writes.</summary>
        public string[] SeriesNames { get; }

        // InstrumentAdvice<T>.HistogramBucketBoundaries of a Histogram<T> of any numeric T, as doubles.
        private static double[]? AdvisedBuckets(Instrument instrument) => instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };

        public bool IsObservable { get; }

        public static Kind? KindOf(Instrument instrument)
        {
            var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : instrument.GetType();
            if (definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>)) return Kind.Counter;
            if (definition == typeof(Histogram<>)) return Kind.Histogram;
            if (definition == typeof(UpDownCounter<>) || definition == typeof(ObservableUpDownCounter<>)
                || definition == typeof(ObservableGauge<>) || IsGauge(instrument)) return Kind.Gauge;
            return null;
        }

        private static bool IsGauge(Instrument instrument) =>
            instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Gauge<>);

        public void Clear() => _series.Clear();

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (double.IsNaN(value) && (_kind == Kind.Histogram || _adds)) return;
            var series = _series.GetOrAdd(Labels(tags, _kind == Kind.Histogram), static (_, family) => new Series(family._buckets.Length), this);
            lock (series)
            {
                if (_kind == Kind.Histogram)
                {
                    int bucket = Array.BinarySearch(_buckets, value);
                    series.Buckets[bucket >= 0 ? bucket : ~bucket]++;   // counts per bucket; made cumulative on write
                    series.Sum += value;
                    series.Count++;
                }
                else if (_adds) series.Value += value;
                else series.Value = value;
            }
        }

        public void Write(StringBuilder text)
        {
            if (_series.IsEmpty) return;
            string type = _kind switch { Kind.Counter => "counter", Kind.Gauge => "gauge", _ => "histogram" };
            text.Append("# HELP ").Append(Name).Append(' ').Append(_help).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (_kind != Kind.Histogram)
                    {
                        Sample(text, Name, labels, series.Value);
                        continue;
                    }
                    long cumulative = 0;
                    for (int i = 0; i < _buckets.Length; i++)
                    {
                        cumulative += series.Buckets[i];
                        Sample(text, Name + "_bucket", Join(labels, $"le=\"{Number(_buckets[i])}\""), cumulative);
                    }
                    Sample(text, Name + "_bucket", Join(labels, "le=\"+Inf\""), series.Count);
                    Sample(text, Name + "_sum", labels, series.Sum);
                    Sample(text, Name + "_count", labels, series.Count);
                }
            }
        }

        private static void Sample(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0) text.Append('{').Append(labels).Append('}');
            text.Append(' ').Append(Number(value)).Append('\n');
        }

        private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

        private static string Number(double value) =>
            double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN"
            : value.ToString("R", CultureInfo.InvariantCulture);

        // Label names sanitised first, then one value per name (the last tag's), sorted by name.
        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags, bool histogram)
        {
            if (tags.Length == 0) return "";
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in tags)
            {
                string name = LabelName(key);
                if (histogram && name == "le") name = "exported_le";   // le is the bucket's bound
                labels[name] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            }
            var text = new StringBuilder();
            foreach (var (name, value) in labels)
            {
                if (text.Length > 0) text.Append(',');
                text.Append(name).Append("=\"").Append(Escape(value, label: true)).Append('"');
            }
            return text.ToString();
        }

        // [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus' own labels).
        private static string LabelName(string key)
        {
            var name = new StringBuilder(key.Length + 1);
            foreach (char c in key) name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
            if (name.Length == 0 || char.IsAsciiDigit(name[0])) name.Insert(0, '_');
            while (name.Length > 1 && name[0] == '_' && name[1] == '_') name.Remove(0, 1);
            return name.ToString();
        }

        // Label values escape \, " and newline; HELP text escapes \ and newline.
        private static string Escape(string text, bool label)
        {
            var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
            return label ? escaped.Replace("\"", "\\\"", StringComparison.Ordinal) : escaped;
        }
    }

    private sealed class Series(int buckets)
    {
        public double Value;
        public readonly long[] Buckets = new long[buckets + 1];   // the last one: above every bound (+Inf)
        public double Sum;
        public long Count;
    }
}
