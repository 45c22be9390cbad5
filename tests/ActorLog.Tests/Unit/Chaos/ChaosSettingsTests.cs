using ActorLog.Cli.Chaos;
using Xunit;

namespace ActorLog.Tests.Unit.Chaos;

public class ChaosSettingsTests
{
    [Fact]
    public void Planned_kills_leave_room_for_the_down_time_and_the_failover_after_the_last_kill()
    {
        var s = new ChaosSettings(3, 3, TimeSpan.FromSeconds(70), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(3), "/tmp/x", 1, 100, 1000, 5);
        Assert.Equal(8, s.PlannedKills); // kills at 8, 16, ..., 64 ≤ 70 - 3 - 2
        Assert.Null(s.Validate());
        Assert.NotNull((s with { Brokers = 2 }).Validate());
    }
}
