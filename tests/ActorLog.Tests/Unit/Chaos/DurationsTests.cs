using ActorLog.Cli.Chaos;
using Xunit;

namespace ActorLog.Tests.Unit.Chaos;

public class DurationsTests
{
    [Theory]
    [InlineData("60", 60)]
    [InlineData("2.5", 2.5)]
    [InlineData("60s", 60)]
    [InlineData("500ms", 0.5)]
    [InlineData("10m", 600)]
    [InlineData("1h", 3600)]
    [InlineData(" 8S ", 8)]
    public void Parses_seconds_and_units(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var d));
        Assert.Equal(TimeSpan.FromSeconds(seconds), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-1")]
    [InlineData("ten")]
    [InlineData("5 minutes")]
    public void Rejects_anything_else(string text) => Assert.False(Durations.TryParse(text, out _));
}
