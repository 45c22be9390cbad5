using ActorLog.Replication;
using Xunit;

namespace ActorLog.Tests.Unit;

public class LeaderReplicationStateTests
{
    private const long Lag = 10_000;

    /// <summary>Leader 1 of replicas [1,2,3], epoch 5 starting at offset 10; log end 10, high watermark 10, at time 0.</summary>
    private static LeaderReplicationState Leader(int[]? isr = null, long logEnd = 10, long hw = 10, long epochStart = 10) =>
        new(1, 5, epochStart, new[] { 1, 2, 3 }, isr ?? new[] { 1, 2, 3 }, logEnd, hw, nowMs: 0);

    [Fact]
    public void Constructor_keeps_the_leader_in_the_isr_and_drops_non_replicas()
    {
        var s = new LeaderReplicationState(1, 5, 0, new[] { 1, 2, 3 }, new[] { 2, 9 }, 0, 0, 0);
        Assert.Equal(new[] { 1, 2 }, s.InSyncReplicas.Order());
        Assert.Equal(new[] { 2, 3 }, s.Followers.Keys.Order());
        Assert.All(s.Followers.Values, f => Assert.Equal(-1, f.LogEndOffset));
        Assert.Null(s.PendingIsr);
        Assert.Equal(5, s.LeaderEpoch);
        Assert.Equal(1, s.LeaderBrokerId);
    }

    [Fact]
    public void A_leader_alone_in_the_isr_commits_its_whole_log_at_once()
    {
        // Elected with ISR [1]: records it got from the previous leader above the old high watermark are
        // committed now, not at the next append (which may never come).
        Assert.Equal(16, Leader(isr: new[] { 1 }, logEnd: 16, hw: 10).HighWatermark);
        // With followers in the ISR it waits for them.
        Assert.Equal(10, Leader(isr: new[] { 1, 3 }, logEnd: 16, hw: 10).HighWatermark);
    }

    [Fact]
    public void Constructor_caps_the_high_watermark_at_the_log_end()
    {
        Assert.Equal(10, Leader(logEnd: 10, hw: 25).HighWatermark);
        Assert.Equal(7, Leader(logEnd: 10, hw: 7).HighWatermark);
    }

    [Fact]
    public void High_watermark_is_the_smallest_log_end_over_the_isr()
    {
        var s = Leader();
        Assert.False(s.OnLocalAppend(20)); // followers have acked nothing yet
        Assert.Equal(10, s.HighWatermark);
        Assert.False(s.OnFollowerAck(2, 20, 100));
        Assert.Equal(10, s.HighWatermark);
        Assert.True(s.OnFollowerAck(3, 14, 100));
        Assert.Equal(14, s.HighWatermark);
        Assert.True(s.OnFollowerAck(3, 20, 200));
        Assert.Equal(20, s.HighWatermark);
    }

    [Fact]
    public void High_watermark_counts_the_leaders_own_log_end()
    {
        var s = Leader();
        s.OnFollowerAck(2, 30, 100); // a follower cannot be ahead of a leader that has not persisted yet
        s.OnFollowerAck(3, 30, 100);
        Assert.Equal(10, s.HighWatermark);
        Assert.True(s.OnLocalAppend(25));
        Assert.Equal(25, s.HighWatermark);
    }

    [Fact]
    public void A_leader_alone_in_the_isr_moves_the_high_watermark_on_its_own_append()
    {
        var s = Leader(isr: new[] { 1 });
        Assert.True(s.OnLocalAppend(15));
        Assert.Equal(15, s.HighWatermark);
    }

    [Fact]
    public void High_watermark_never_moves_backwards()
    {
        var s = Leader(isr: new[] { 1, 2 }, logEnd: 10, hw: 10);
        s.OnLocalAppend(20);
        s.OnFollowerAck(2, 20, 100);
        Assert.Equal(20, s.HighWatermark);
        Assert.False(s.OnFollowerAck(2, 12, 200)); // a stale, lower ack
        Assert.Equal(20, s.Followers[2].LogEndOffset);
        Assert.False(s.OnIsrCommitted(new[] { 1, 2, 3 })); // follower 3 (at -1) joins the committed set
        Assert.Equal(20, s.HighWatermark);
        Assert.False(s.OnLocalAppend(15));
        Assert.Equal(20, s.HighWatermark);
    }

    [Fact]
    public void An_ack_from_a_non_replica_is_ignored()
    {
        var s = Leader(isr: new[] { 1 });
        Assert.False(s.OnFollowerAck(9, 100, 100));
        Assert.False(s.Followers.ContainsKey(9));
    }

    [Fact]
    public void Expand_candidates_have_reached_the_high_watermark()
    {
        var s = Leader(isr: new[] { 1 });
        Assert.Empty(s.ExpandCandidates());
        s.Subscribe(2, "follower-2", 9, 100);
        Assert.Empty(s.ExpandCandidates());
        s.OnFollowerAck(2, 9, 100);
        Assert.Empty(s.ExpandCandidates());
        s.OnFollowerAck(2, 10, 200);
        Assert.Equal(new[] { 2 }, s.ExpandCandidates());
    }

    [Fact]
    public void Expand_candidates_have_reached_the_start_of_the_leaders_epoch()
    {
        // Follower 2 (in sync) holds the high watermark at 10 while the epoch began at 12.
        var s = Leader(isr: new[] { 1, 2 }, logEnd: 12, hw: 10, epochStart: 12);
        s.OnFollowerAck(2, 10, 100);
        s.Subscribe(3, "follower-3", 11, 100);
        Assert.Equal(10, s.HighWatermark);
        Assert.Empty(s.ExpandCandidates());
        s.OnFollowerAck(3, 12, 200);
        Assert.Equal(new[] { 3 }, s.ExpandCandidates());
    }

    [Fact]
    public void Expand_candidates_exclude_isr_members()
    {
        var s = Leader();
        s.OnFollowerAck(2, 10, 100);
        Assert.Empty(s.ExpandCandidates());
    }

    [Fact]
    public void Shrink_candidates_are_followers_not_caught_up_for_longer_than_the_lag()
    {
        var s = Leader();
        s.OnLocalAppend(20);
        s.OnFollowerAck(2, 20, 100);
        Assert.Empty(s.ShrinkCandidates(5_000, Lag));
        Assert.Empty(s.ShrinkCandidates(Lag, Lag)); // exactly the lag: still in sync
        Assert.Equal(new[] { 3 }, s.ShrinkCandidates(Lag + 1, Lag));
    }

    [Fact]
    public void Shrink_candidates_never_include_the_leader_or_non_isr_followers()
    {
        var s = Leader(isr: new[] { 1, 2 });
        s.OnLocalAppend(50);
        Assert.Equal(new[] { 2 }, s.ShrinkCandidates(1_000_000, Lag));
    }

    [Fact]
    public void An_idle_follower_at_the_leaders_end_stays_caught_up()
    {
        var s = Leader();
        s.OnLocalAppend(20);
        s.OnFollowerAck(2, 20, 50);
        s.OnFollowerAck(3, 20, 50);
        // Nothing is produced for a long time: no acks, yet both are caught up.
        Assert.Empty(s.ShrinkCandidates(1_000_000, Lag));
        Assert.Equal(1_000_000, s.Followers[2].LastCaughtUpMs);
        // The check refreshed the caught-up time, so a new append does not make them look stale at once.
        s.OnLocalAppend(30);
        Assert.Empty(s.ShrinkCandidates(1_005_000, Lag));
        Assert.Equal(new[] { 2, 3 }, s.ShrinkCandidates(1_010_001, Lag));
    }

    [Fact]
    public void A_follower_whose_broker_went_down_stays_a_shrink_candidate_until_it_subscribes_again()
    {
        // Idle at the leader's end, so lag alone would never drop it.
        var s = Leader();
        s.Subscribe(2, "follower-2", 10, 0);
        s.Subscribe(3, "follower-3", 10, 0);
        // Another change is in flight when broker 2 goes down: that proposal is refused (one at a time) ...
        Assert.NotNull(s.ProposeIsr(Array.Empty<int>(), new[] { 3 }));
        s.OnFollowerGone(2);
        Assert.Null(s.ProposeIsr(Array.Empty<int>(), new[] { 2 }));
        // ... and the controller records the first change without it.
        s.OnIsrCommitted(new[] { 1, 2 });
        // Every later check still asks to drop it: the removal must not be lost with the refused proposal.
        Assert.Equal(new[] { 2 }, s.ShrinkCandidates(1, Lag));
        Assert.Equal(new[] { 2 }, s.ShrinkCandidates(2, Lag));
        Assert.Equal(new[] { 1 }, s.ProposeIsr(Array.Empty<int>(), s.ShrinkCandidates(3, Lag)));
        // Back before the controller answered: subscribed again at the leader's end, it is in sync once more.
        s.Subscribe(2, "follower-2-again", 10, 4);
        Assert.Empty(s.ShrinkCandidates(5, Lag));
    }

    [Fact]
    public void A_follower_that_reaches_the_leaders_previous_end_counts_as_caught_up_at_its_previous_ack()
    {
        var s = Leader(isr: new[] { 1, 2 });
        s.OnLocalAppend(20);
        s.OnFollowerAck(2, 15, 9_000);       // behind; leader end then was 20
        s.OnLocalAppend(30);
        s.OnFollowerAck(2, 20, 12_000);      // reached 20: caught up as of 9 000
        Assert.Equal(9_000, s.Followers[2].LastCaughtUpMs);
        Assert.Empty(s.ShrinkCandidates(19_000, Lag));
        Assert.Equal(new[] { 2 }, s.ShrinkCandidates(19_001, Lag));
    }

    [Fact]
    public void A_follower_always_behind_the_previous_end_is_not_caught_up()
    {
        var s = Leader(isr: new[] { 1, 2 });
        s.OnLocalAppend(20);
        s.OnFollowerAck(2, 11, 5_000);
        s.OnLocalAppend(40);
        s.OnFollowerAck(2, 15, 9_000); // below 20, the leader's end at the previous ack
        Assert.Equal(0, s.Followers[2].LastCaughtUpMs);
        Assert.Equal(new[] { 2 }, s.ShrinkCandidates(Lag + 1, Lag));
    }

    [Fact]
    public void Propose_with_nothing_to_change_returns_null()
    {
        var s = Leader();
        Assert.Null(s.ProposeIsr(Array.Empty<int>(), Array.Empty<int>()));
        Assert.Null(s.PendingIsr);
    }

    [Fact]
    public void Additions_count_at_once_and_only_one_change_is_pending()
    {
        var s = Leader(isr: new[] { 1, 2 });
        var proposed = s.ProposeIsr(new[] { 3 }, Array.Empty<int>());
        Assert.Equal(new[] { 1, 2, 3 }, proposed);
        Assert.Equal(new[] { 1, 2, 3 }, s.PendingIsr);
        Assert.Contains(3, s.InSyncReplicas);
        Assert.Null(s.ProposeIsr(Array.Empty<int>(), new[] { 2 }));
        Assert.Equal(new[] { 1, 2, 3 }, s.PendingIsr);
        Assert.Contains(2, s.InSyncReplicas);
    }

    [Fact]
    public void A_new_isr_member_holds_the_high_watermark_back_at_once()
    {
        var s = Leader(isr: new[] { 1 });
        s.OnFollowerAck(2, 10, 100);
        s.ProposeIsr(new[] { 2 }, Array.Empty<int>());
        Assert.False(s.OnLocalAppend(20));
        Assert.Equal(10, s.HighWatermark);
    }

    [Fact]
    public void Removals_take_effect_only_once_committed()
    {
        var s = Leader();
        s.OnLocalAppend(20);
        s.OnFollowerAck(2, 20, 100);
        Assert.Equal(10, s.HighWatermark); // follower 3 is lagging
        var proposed = s.ProposeIsr(Array.Empty<int>(), new[] { 3 });
        Assert.Equal(new[] { 1, 2 }, proposed);
        Assert.Contains(3, s.InSyncReplicas);
        Assert.Equal(10, s.HighWatermark);

        Assert.True(s.OnIsrCommitted(new[] { 1, 2 }));
        Assert.Equal(20, s.HighWatermark);
        Assert.DoesNotContain(3, s.InSyncReplicas);
        Assert.Null(s.PendingIsr);
    }

    [Fact]
    public void Committed_isr_always_keeps_the_leader()
    {
        var s = Leader();
        s.ProposeIsr(Array.Empty<int>(), new[] { 2, 3 });
        s.OnIsrCommitted(new[] { 2 });
        Assert.Equal(new[] { 1, 2 }, s.InSyncReplicas.Order());
        Assert.Contains(1, s.InSyncReplicas);
    }

    [Fact]
    public void A_rejected_change_is_forgotten_and_a_new_one_can_be_proposed()
    {
        var s = Leader();
        s.OnLocalAppend(20);
        s.OnFollowerAck(2, 20, 100);
        s.ProposeIsr(Array.Empty<int>(), new[] { 3 });
        s.OnIsrRejected();
        Assert.Null(s.PendingIsr);
        Assert.Contains(3, s.InSyncReplicas); // a removal not recorded is not applied
        Assert.Equal(10, s.HighWatermark);
        Assert.Equal(new[] { 1, 2 }, s.ProposeIsr(Array.Empty<int>(), new[] { 3 }));
    }

    [Fact]
    public void A_rejected_addition_is_proposed_again_on_the_next_check()
    {
        var s = Leader(isr: new[] { 1, 2 });
        s.OnFollowerAck(2, 10, 100);
        s.Subscribe(3, "follower-3", 10, 100);
        Assert.Equal(new[] { 1, 2, 3 }, s.ProposeIsr(s.ExpandCandidates(), Array.Empty<int>()));
        s.OnIsrRejected(); // e.g. the controller's majority write timed out: the controller's ISR is still [1,2]

        // The leader's periodic ISR check (ReplicaActor.Leader.OnIsrCheck) must propose follower 3 again,
        // otherwise the recorded ISR never includes it although the leader waits for it.
        var retry = s.ProposeIsr(s.ExpandCandidates(), s.ShrinkCandidates(200, Lag));
        Assert.NotNull(retry);
        Assert.Contains(3, retry);
    }
}

public class LeaderReplicationStateSubscriptionTests
{
    [Fact]
    public void A_gone_follower_is_not_proposed_for_the_isr_until_it_subscribes_again()
    {
        var s = new LeaderReplicationState(1, 0, 0, new[] { 1, 2 }, new[] { 1 }, 10, 10, 0);
        s.Subscribe(2, "follower-2", 10, 0);
        Assert.Equal(new[] { 2 }, s.ExpandCandidates());
        s.OnFollowerGone(2);
        Assert.Empty(s.ExpandCandidates());
        s.Subscribe(2, "follower-2-again", 10, 5);
        Assert.Equal(new[] { 2 }, s.ExpandCandidates());
    }

    [Fact]
    public void Subscribing_from_a_truncated_log_end_lowers_what_the_leader_counts_for_it()
    {
        var s = new LeaderReplicationState(1, 3, 0, new[] { 1, 2 }, new[] { 1, 2 }, 20, 0, 0);
        s.OnFollowerAck(2, 20, 0);
        Assert.Equal(20, s.HighWatermark);
        s.Subscribe(2, "follower-2", 15, 1);
        Assert.Equal(15, s.Followers[2].LogEndOffset);
        Assert.Equal(15, s.Followers[2].NextOffsetToSend);
        Assert.Equal(20, s.HighWatermark); // never moves backwards
    }
}
