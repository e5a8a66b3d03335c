// The header dict of a .npy file, parsed as the Python literal it is ({'descr': '<f4', 'fortran_order': False,
// 'shape': (60000, 784), }): strings, True/False/None, integers, tuples, lists and dicts — what numpy's
// safe_eval of the header accepts for these keys.
using System.Globalization;
using System.Text;

namespace Numa.Cli.Datasets;

/// <summary>The three keys of a .npy header. <see cref="Descr"/> is the dtype string (a structured dtype's list of
/// fields is refused by <see cref="Parse"/>); <see cref="Shape"/> has one entry per axis, each ≥ 0.</summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape)
{
    /// <summary>Parses the header text (trailing spaces and the newline included).</summary>
    /// <exception cref="FormatException">Not a Python dict literal; a missing or unknown key; a key of the wrong type;
    /// a structured dtype; a negative or non-integer dimension.</exception>
    public static NpyHeader Parse(string text)
    {
        var parser = new Parser(text);
        object? value = parser.ParseValue();
        parser.ExpectEnd();
        if (value is not Dictionary<string, object?> dict) throw new FormatException("the header is not a dict.");
        foreach (string key in dict.Keys)
            if (key is not ("descr" or "fortran_order" or "shape")) throw new FormatException($"unknown key '{key}'.");
        if (!dict.TryGetValue("descr", out object? descr)) throw new FormatException("no 'descr' key.");
        if (!dict.TryGetValue("fortran_order", out object? fortran)) throw new FormatException("no 'fortran_order' key.");
        if (!dict.TryGetValue("shape", out object? shape)) throw new FormatException("no 'shape' key.");
        string dtype = descr switch
        {
            string s => s,
            List<object?> => throw new FormatException("'descr' is a structured dtype (a list of fields); expected a plain float32 array ('<f4')."),
            _ => throw new FormatException("'descr' is not a string."),
        };
        if (fortran is not bool fortranOrder) throw new FormatException("'fortran_order' is not True or False.");
        if (shape is not List<object?> { } axes || !parser.IsTuple(shape)) throw new FormatException("'shape' is not a tuple.");
        var dimensions = new long[axes.Count];
        for (int i = 0; i < axes.Count; i++)
            dimensions[i] = axes[i] is long n && n >= 0 ? n : throw new FormatException($"'shape' entry {i} is not a non-negative integer.");
        return new NpyHeader(dtype, fortranOrder, dimensions);
    }

    /// <summary>The shape as Python prints it: <c>(3,)</c>, <c>(60000, 784)</c>.</summary>
    public static string FormatShape(long[] shape) =>
        shape.Length == 1 ? string.Create(CultureInfo.InvariantCulture, $"({shape[0]},)")
            : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

    // Recursive descent over the literal; tuples and lists both become List<object?>, tuples remembered by identity.
    private sealed class Parser(string text)
    {
        private readonly HashSet<List<object?>> _tuples = new(ReferenceEqualityComparer.Instance);
        private int _at;
        private int _depth;
        private const int MaxDepth = 16;   // a real header is a dict holding a tuple: depth 2


        public bool IsTuple(object value) => value is List<object?> list && _tuples.Contains(list);

        public void ExpectEnd()
        {
            SkipSpace();
            if (_at < text.Length) throw new FormatException($"unexpected '{text[_at]}' at character {_at} after the dict.");
        }

        // Recursive descent: the depth is bounded, so a hostile header ("[[[[…", up to MaxHeaderBytes) is a FormatException,
        // not a stack overflow that kills the process.
        public object? ParseValue()
        {
            if (++_depth > MaxDepth) throw new FormatException($"the header nests values deeper than {MaxDepth} levels at character {_at}.");
            try
            {
                return ParseOneValue();
            }
            finally
            {
                _depth--;
            }
        }

        private object? ParseOneValue()
        {
            SkipSpace();
            if (_at >= text.Length) throw new FormatException("the header ends where a value was expected.");
            char c = text[_at];
            switch (c)
            {
                case '{':
                {
                    _at++;
                    var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                    while (!TryConsume('}'))
                    {
                        if (ParseValue() is not string key) throw new FormatException($"a dict key before character {_at} is not a string.");
                        Expect(':');
                        if (!dict.TryAdd(key, ParseValue())) throw new FormatException($"key '{key}' appears twice.");
                        if (!TryConsume(',')) { Expect('}'); break; }
                    }
                    return dict;
                }
                case '(' or '[':
                {
                    _at++;
                    char close = c == '(' ? ')' : ']';
                    var list = new List<object?>();
                    bool comma = false;
                    while (!TryConsume(close))
                    {
                        list.Add(ParseValue());
                        comma = TryConsume(',');
                        if (!comma) { Expect(close); break; }
                    }
                    // (5) is the integer 5 in Python; only (5,) is a one-element tuple.
                    if (c == '(' && list.Count == 1 && !comma) return list[0];
                    if (c == '(') _tuples.Add(list);
                    return list;
                }
                case '\'' or '"':
                    return ParseString(c);
                default:
                    if (c == '-' || char.IsAsciiDigit(c)) return ParseInteger();
                    if (TryWord("True")) return true;
                    if (TryWord("False")) return false;
                    if (TryWord("None")) return null;
                    throw new FormatException($"unexpected '{c}' at character {_at}.");
            }
        }

        private string ParseString(char quote)
        {
            int start = _at++;
            var sb = new StringBuilder();
            while (true)
            {
                if (_at >= text.Length) throw new FormatException($"the string at character {start} is not closed.");
                char c = text[_at++];
                if (c == quote) return sb.ToString();
                if (c == '\\')
                {
                    if (_at >= text.Length) throw new FormatException($"the string at character {start} is not closed.");
                    char e = text[_at++];
                    sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => e });
                }
                else
                {
                    sb.Append(c);
                }
            }
        }

        private long ParseInteger()
        {
            int start = _at;
            if (text[_at] == '-') _at++;
            while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
            string digits = text[start.._at];
            if (_at < text.Length && text[_at] is 'L' or 'l') _at++;   // Python 2's long suffix, in old files
            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                throw new FormatException($"'{digits}' at character {start} is not an integer that fits in 64 bits.");
            return value;
        }

        private bool TryWord(string word)
        {
            if (string.CompareOrdinal(text, _at, word, 0, word.Length) != 0) return false;
            int end = _at + word.Length;
            if (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) return false;
            _at = end;
            return true;
        }

        private bool TryConsume(char c)
        {
            SkipSpace();
            if (_at < text.Length && text[_at] == c)
            {
                _at++;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            if (!TryConsume(c))
                throw new FormatException(_at < text.Length ? $"expected '{c}' at character {_at}, found '{text[_at]}'." : $"expected '{c}' at the end of the header.");
        }

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }
    }
}
