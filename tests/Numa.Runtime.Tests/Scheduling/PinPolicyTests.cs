// The text form of pinning policies (CLI, configuration).
using Numa.Scheduling;
using Numa.Topology;

namespace Numa.Tests.Scheduling;

public sealed class PinPolicyTests
{
    [Theory]
    [InlineData("compact", "compact")]
    [InlineData("SCATTER", "scatter")]
    [InlineData("bind-node:2", "bind-node:2")]
    [InlineData("explicit:0-3,8", "explicit:0-3,8")]
    [InlineData("8,0-3", "explicit:0-3,8")]
    public void Policies_parse_and_print(string text, string printed)
    {
        var policy = PinPolicy.Parse(text);

        Assert.Equal(printed, policy.ToString());
        Assert.Equal(policy, PinPolicy.Parse(policy.ToString()));
    }

    [Theory]
    [InlineData("spread")]
    [InlineData("bind-node:x")]
    [InlineData("bind-node")]
    [InlineData("")]
    public void Unknown_policies_list_the_accepted_forms(string text)
    {
        var e = Assert.Throws<FormatException>(() => PinPolicy.Parse(text));

        Assert.Contains("compact, scatter, bind-node:<node> or explicit:<cpu list>", e.Message);
    }

    [Theory]
    [InlineData("explicit:")]
    [InlineData("explicit: ")]
    public void An_explicit_policy_without_cpus_is_a_format_error(string text)
    {
        var e = Assert.Throws<FormatException>(() => PinPolicy.Parse(text));   // was ArgumentException

        Assert.Contains("names no CPUs", e.Message);
    }

    [Fact]
    public void An_empty_explicit_cpuset_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => PinPolicy.Explicit(CpuSet.Empty));
    }

    [Fact]
    public void Policies_compare_by_value()
    {
        Assert.Equal(PinPolicy.BindNode(1), PinPolicy.Parse("bind-node:1"));
        Assert.Equal(PinPolicyKind.Explicit, PinPolicy.Explicit("1-2").Kind);
        Assert.Equal(CpuSet.Parse("1-2"), PinPolicy.Explicit("1-2").Cpus);
    }
}
