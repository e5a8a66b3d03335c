// The protocol's small pieces: grpc-timeout values and percent-encoded status messages, and metadata keys.
using Numa.Grpc;

namespace Numa.Tests.Grpc;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("4m", 40_000L)]
    [InlineData("5u", 50L)]
    [InlineData("250n", 3L)]   // rounded up to whole 100 ns ticks
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void Grpc_timeout_parses_every_unit(string value, long ticks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("123456789S")]
    [InlineData("1s")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    public void Grpc_timeout_refuses_malformed_values(string value) =>
        Assert.False(GrpcProtocol.TryParseTimeout(value, out _));

    [Theory]
    [InlineData(0.5, "500u")]
    [InlineData(99_999.999, "99999999u")]
    [InlineData(250_000.0, "250000m")]
    [InlineData(100_000_000.0, "100000S")]
    [InlineData(1e12, "16666667M")]
    public void Grpc_timeout_is_formatted_in_at_most_8_digits_rounding_up(double milliseconds, string expected)
    {
        string formatted = GrpcProtocol.FormatTimeout(TimeSpan.FromMilliseconds(milliseconds));
        Assert.Equal(expected, formatted);
        Assert.True(GrpcProtocol.TryParseTimeout(formatted, out var back));
        Assert.True(back >= TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("a\nb", "a%0Ab")]
    [InlineData("ü ✓", "%C3%BC %E2%9C%93")]
    public void Status_messages_are_percent_encoded_and_decoded(string message, string wire)
    {
        Assert.Equal(wire, GrpcProtocol.EncodeMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeMessage(wire));
    }

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz ok", "%zz ok")]
    [InlineData("%E2%9C", "\uFFFD")]
    public void Broken_percent_encoding_is_decoded_without_throwing(string wire, string expected) =>
        Assert.Equal(expected, GrpcProtocol.DecodeMessage(wire));

    [Theory]
    [InlineData("Bad Key")]
    [InlineData("grpc-status")]
    [InlineData(":path")]
    [InlineData("x-bytes-bin")]
    public void Metadata_refuses_invalid_reserved_or_mistyped_keys(string key) =>
        Assert.Throws<ArgumentException>(() => new GrpcMetadata().Add(key, "v"));

    [Fact]
    public void Metadata_refuses_non_ascii_values_and_binary_values_under_text_keys()
    {
        Assert.Throws<ArgumentException>(() => new GrpcMetadata().Add("x-text", "ü"));
        Assert.Throws<ArgumentException>(() => new GrpcMetadata().Add("x-text", [1, 2]));
        Assert.Equal("AQI", new GrpcMetadata().Add("x-data-bin", [1, 2])[0].WireValue);
    }
}
