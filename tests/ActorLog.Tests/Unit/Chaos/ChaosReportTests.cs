using ActorLog.Cli.Chaos;
using Xunit;

namespace ActorLog.Tests.Unit.Chaos;

/// <summary>The verdict: which findings fail a chaos run (exit code 1) and which are only reported.</summary>
public class ChaosReportTests
{
    private static readonly ChaosSettings Settings =
        new(3, 3, TimeSpan.FromSeconds(70), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(2), "/tmp/chaos", 1, 100, 1000, MinKills: 2);

    private static readonly CheckResult Clean =
        new(0, 0, 0, 0, 0, 0, 10, 10, 0, new Dictionary<string, long>(), 0, 10, 0, 0, []);

    private static KillRecord Kill(int number, bool controller, string? problem = null, string? note = null) =>
        new(number, 1, 100 + number, controller, [0], TimeSpan.FromSeconds(8 * number), TimeSpan.FromSeconds(8 * number + 2),
            problem is null ? TimeSpan.FromSeconds(8 * number + 5) : null, null, null, problem, note);

    private static ChaosReport Build(IReadOnlyList<KillRecord> kills, CheckResult? check = null, string? readError = null,
        IReadOnlyList<string>? runProblems = null) =>
        ChaosReport.Build(Settings, TimeSpan.FromSeconds(80), kills,
            kills.Select(k => new PartitionFailover(k.Number, 0, TimeSpan.FromSeconds(1))).ToList(), check ?? Clean,
            [new ChaosReport.PartitionState(0, 10, 10, readError)], 0, [], [], runProblems ?? [], []);

    [Fact]
    public void A_clean_history_with_enough_kills_including_the_controller_passes()
    {
        var r = Build([Kill(1, false), Kill(2, true)]);
        Assert.True(r.Passed, string.Join("\n", r.Problems));
        Assert.Empty(r.Problems);
        Assert.True(r.ControllerKilled);
        Assert.Equal(new ChaosReport.FailoverStats(2, 1, 1, 0), r.Failover);
    }

    [Fact]
    public void Availability_findings_are_notes_and_do_not_fail_the_run()
    {
        var r = Build([Kill(1, false, note: "not healthy within 60 s"), Kill(2, true)]);
        Assert.True(r.Passed);
        Assert.Contains(r.Problems, p => p.StartsWith("note: kill #1: not healthy", StringComparison.Ordinal));
    }

    [Fact]
    public void A_partition_writable_again_only_after_30_s_is_noted()
    {
        var slow = Kill(1, false) with { WritableAt = TimeSpan.FromSeconds(8 + 62.6) };
        var quick = Kill(2, true) with { WritableAt = TimeSpan.FromSeconds(16 + 6) };
        var r = Build([slow, quick]);
        Assert.True(r.Passed);
        var note = Assert.Single(r.Problems);
        Assert.Equal("note: kill #1: every partition took a write again only 62.6 s after the kill (over 30 s: a partition stalled)", note);
    }

    [Fact]
    public void Violations_too_few_kills_no_controller_kill_a_lost_broker_or_an_unread_partition_fail_the_run()
    {
        Assert.False(Build([Kill(1, false), Kill(2, true)], Clean with { Duplicated = 1 }).Passed);
        Assert.False(Build([Kill(1, true)]).Passed);
        Assert.False(Build([Kill(1, false), Kill(2, false)]).Passed);
        Assert.False(Build([Kill(1, false), Kill(2, true, problem: "broker 1 did not come back")]).Passed);
        Assert.False(Build([Kill(1, false), Kill(2, true)], readError: "no answer").Passed);
        Assert.False(Build([Kill(1, false), Kill(2, true)], runProblems: ["the nemesis failed"]).Passed);
    }

    [Fact]
    public void Each_kill_says_whether_the_victim_was_killed_or_paused()
    {
        var r = Build([Kill(1, false), Kill(2, true) with { Paused = true }]);
        Assert.Equal(["kill", "pause"], r.Kills.Select(k => k.Fault));
        Assert.Equal("kill", r.Settings.Fault);
        Assert.Equal("mixed", ChaosReport.Build(Settings with { Fault = ChaosFault.Mixed }, TimeSpan.FromSeconds(80), [], [], Clean,
            [new ChaosReport.PartitionState(0, 10, 10, null)], 0, [], [], [], []).Settings.Fault);
    }
}
