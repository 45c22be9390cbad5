using ActorLog.Metadata;
using Xunit;

namespace ActorLog.Tests.Unit;

public class LeaderElectionTests
{
    private static PartitionMetadata P(int leader, int epoch, int[] isr, int[]? replicas = null) =>
        new(0, leader, epoch, replicas ?? new[] { 1, 2, 3 }, isr);

    private static HashSet<int> Live(params int[] ids) => ids.ToHashSet();

    [Fact]
    public void No_change_while_the_leader_is_alive()
    {
        Assert.Null(LeaderElection.Elect(P(2, 4, new[] { 1, 2, 3 }), Live(2), uncleanAllowed: false));
        Assert.Null(LeaderElection.Elect(P(2, 4, new[] { 2 }), Live(1, 2, 3), uncleanAllowed: true));
    }

    [Fact]
    public void Clean_election_picks_the_first_live_isr_member_in_replica_order()
    {
        // Replica order 3, 1, 2: with 3 gone, 1 comes before 2 even though the ISR lists 2 first.
        var p = P(3, 4, new[] { 2, 3, 1 }, replicas: new[] { 3, 1, 2 });
        var elected = LeaderElection.Elect(p, Live(1, 2), uncleanAllowed: false);
        Assert.NotNull(elected);
        Assert.Equal(1, elected.Leader);
        Assert.Equal(5, elected.LeaderEpoch);
        Assert.Equal(new[] { 2, 1 }, elected.Isr);
        Assert.Equal(p.Replicas, elected.Replicas);
        Assert.Equal(p.Partition, elected.Partition);
    }

    [Fact]
    public void Clean_election_skips_live_replicas_outside_the_isr()
    {
        var elected = LeaderElection.Elect(P(1, 0, new[] { 1, 3 }), Live(2, 3), uncleanAllowed: true);
        Assert.NotNull(elected);
        Assert.Equal(3, elected.Leader);
        Assert.Equal(new[] { 3 }, elected.Isr);
        Assert.Equal(1, elected.LeaderEpoch);
    }

    [Fact]
    public void No_live_isr_member_and_unclean_off_takes_the_partition_offline()
    {
        var p = P(1, 7, new[] { 1, 2 });
        var offline = LeaderElection.Elect(p, Live(3), uncleanAllowed: false);
        Assert.NotNull(offline);
        Assert.Equal(-1, offline.Leader);
        Assert.True(offline.IsOffline);
        Assert.Equal(8, offline.LeaderEpoch);
        Assert.Equal(new[] { 1, 2 }, offline.Isr); // kept, so a returning member can lead without loss

        // Still nobody in sync: no further change (no epoch churn).
        Assert.Null(LeaderElection.Elect(offline, Live(3), uncleanAllowed: false));
        Assert.Null(LeaderElection.Elect(offline, Live(), uncleanAllowed: false));
    }

    [Fact]
    public void No_live_broker_at_all_takes_the_partition_offline_even_with_unclean_on()
    {
        var offline = LeaderElection.Elect(P(1, 2, new[] { 1 }), Live(), uncleanAllowed: true);
        Assert.NotNull(offline);
        Assert.Equal(-1, offline.Leader);
        Assert.Equal(3, offline.LeaderEpoch);
    }

    [Fact]
    public void Unclean_election_picks_a_live_non_isr_replica()
    {
        var p = P(1, 7, new[] { 1 }, replicas: new[] { 1, 2, 3 });
        var elected = LeaderElection.Elect(p, Live(3, 2), uncleanAllowed: true);
        Assert.NotNull(elected);
        Assert.Equal(2, elected.Leader);
        Assert.Equal(new[] { 2 }, elected.Isr);
        Assert.Equal(8, elected.LeaderEpoch);
    }

    [Fact]
    public void Unclean_election_ignores_live_brokers_that_are_not_replicas()
    {
        var p = P(1, 7, new[] { 1 }, replicas: new[] { 1, 2 });
        var offline = LeaderElection.Elect(p, Live(5, 6), uncleanAllowed: true);
        Assert.NotNull(offline);
        Assert.Equal(-1, offline.Leader);
    }

    [Fact]
    public void An_offline_partition_elects_a_returning_isr_member()
    {
        var offline = LeaderElection.Elect(P(1, 7, new[] { 1, 2 }), Live(3), uncleanAllowed: false)!;
        var back = LeaderElection.Elect(offline, Live(2, 3), uncleanAllowed: false);
        Assert.NotNull(back);
        Assert.Equal(2, back.Leader);
        Assert.Equal(9, back.LeaderEpoch);
        Assert.Equal(new[] { 2 }, back.Isr);
    }

    [Fact]
    public void An_offline_partition_with_unclean_on_elects_any_live_replica()
    {
        var offline = LeaderElection.Elect(P(1, 7, new[] { 1 }), Live(), uncleanAllowed: false)!;
        var elected = LeaderElection.Elect(offline, Live(3), uncleanAllowed: true);
        Assert.NotNull(elected);
        Assert.Equal(3, elected.Leader);
        Assert.Equal(9, elected.LeaderEpoch);
        Assert.Equal(new[] { 3 }, elected.Isr);
    }

    [Fact]
    public void Every_leader_change_bumps_the_epoch()
    {
        var p = P(1, 0, new[] { 1, 2, 3 });
        var epochs = new List<int> { p.LeaderEpoch };
        foreach (var live in new[] { Live(2, 3), Live(3), Live(), Live(1), Live(1, 2) })
        {
            var next = LeaderElection.Elect(p, live, uncleanAllowed: false);
            if (next is null) continue;
            Assert.True(next.LeaderEpoch > p.LeaderEpoch);
            p = next;
            epochs.Add(p.LeaderEpoch);
        }
        Assert.Equal(new[] { 0, 1, 2, 3 }, epochs);
        Assert.Equal(-1, p.Leader); // 3 was the last ISR member; 1 returned outside the ISR
    }

    [Fact]
    public void Preferred_election_moves_leadership_to_the_first_replica_when_it_is_alive_and_in_sync()
    {
        var moved = LeaderElection.ElectPreferred(P(2, 4, new[] { 1, 2, 3 }), Live(1, 2, 3));
        Assert.Equal(PreferredOutcome.Elected, moved.Outcome);
        Assert.Equal(1, moved.Elected!.Leader);
        Assert.Equal(5, moved.Elected.LeaderEpoch);
        Assert.Equal(new[] { 1, 2, 3 }, moved.Elected.Isr);
    }

    [Fact]
    public void Preferred_election_says_why_it_does_not_move()
    {
        var already = LeaderElection.ElectPreferred(P(1, 4, new[] { 1, 2, 3 }), Live(1, 2, 3));
        Assert.Equal(PreferredOutcome.AlreadyPreferred, already.Outcome);
        Assert.Null(already.Elected);

        var dead = LeaderElection.ElectPreferred(P(2, 4, new[] { 1, 2, 3 }), Live(2, 3));
        Assert.Equal(PreferredOutcome.NotEligible, dead.Outcome);
        Assert.Contains("not alive", dead.Reason);

        // Alive but still catching up: moving there could lose acknowledged records.
        var lagging = LeaderElection.ElectPreferred(P(2, 4, new[] { 2, 3 }), Live(1, 2, 3));
        Assert.Equal(PreferredOutcome.NotEligible, lagging.Outcome);
        Assert.Contains("not in sync", lagging.Reason);
        Assert.Null(lagging.Elected);
    }
}
