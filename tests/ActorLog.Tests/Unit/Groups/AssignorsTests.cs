using ActorLog.Groups.Assignment;
using Xunit;

namespace ActorLog.Tests.Unit.Groups;

public class AssignorsTests
{
    [Fact]
    public void Each_name_finds_its_assignor()
    {
        Assert.Equal(["range", "roundrobin", "sticky"], Assignors.Names);
        Assert.IsType<RangeAssignor>(Assignors.ByName("range"));
        Assert.IsType<RoundRobinAssignor>(Assignors.ByName("roundrobin"));
        Assert.IsType<StickyAssignor>(Assignors.ByName("sticky"));
        foreach (var name in Assignors.Names) Assert.Equal(name, Assignors.ByName(name).Name);
    }

    [Fact]
    public void Names_are_matched_ignoring_case_and_surrounding_spaces()
    {
        Assert.Same(Assignors.RoundRobin, Assignors.ByName("RoundRobin"));
        Assert.Same(Assignors.Sticky, Assignors.ByName(" STICKY "));
    }

    [Theory]
    [InlineData("uniform")]
    [InlineData("round-robin")]
    [InlineData("")]
    public void An_unknown_name_is_refused_with_the_valid_names(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => Assignors.ByName(name));
        Assert.Equal("name", e.ParamName);
        Assert.Contains($"Unknown partition assignor [{name}]", e.Message);
        Assert.Contains("valid names are: range, roundrobin, sticky", e.Message);
    }

    [Fact]
    public void A_null_name_is_refused() => Assert.Throws<ArgumentNullException>(() => Assignors.ByName(null!));
}
