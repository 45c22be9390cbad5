using ActorLog.Common;
using ActorLog.Groups;
using ActorLog.Groups.Coordinator;
using Xunit;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Tests.Unit.Groups;

/// <summary>The group state machine without actors: joins, epochs, reconciliation steps, fencing, expiry.</summary>
public class ConsumerGroupTests
{
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(10);
    private static readonly IReadOnlyDictionary<string, int> SixPartitions = new Dictionary<string, int> { ["orders"] = 6 };

    private readonly ConsumerGroup _group = new("g");
    private long _now = 1_000;
    private int _nextId;

    public ConsumerGroupTests() => _group.UpdatePartitionCounts(SixPartitions);

    private HeartbeatOutcome Join(string assignor = "sticky", string topic = "orders") =>
        _group.Heartbeat(new ConsumerGroupHeartbeat("g", "", JoinEpoch, new[] { topic }, assignor, 0, null), Session, _now, () => $"m{++_nextId}");

    private HeartbeatOutcome Beat(HeartbeatOutcome last, IReadOnlyList<TopicPartition>? owned = null) =>
        _group.Heartbeat(new ConsumerGroupHeartbeat("g", last.MemberId, last.MemberEpoch, new[] { "orders" }, "sticky", 0, owned ?? last.Assignment),
            Session, _now, () => throw new InvalidOperationException("no new member expected"));

    /// <summary>Every member heartbeats, owning what it was last given, until nothing changes.</summary>
    private Dictionary<string, HeartbeatOutcome> Settle(IEnumerable<HeartbeatOutcome> members)
    {
        var last = members.ToDictionary(m => m.MemberId);
        for (var round = 0; round < 10; round++)
        {
            var before = last.Values.Select(o => (o.MemberId, o.MemberEpoch, string.Join(",", o.Assignment))).ToList();
            foreach (var id in last.Keys.ToList())
            {
                var next = Beat(last[id]);
                Assert.Null(next.Error);
                last[id] = next;
                var told = last.Values.SelectMany(o => o.Assignment).ToList();
                Assert.Equal(told.Count, told.Distinct().Count()); // never two members on one partition
            }
            if (before.SequenceEqual(last.Values.Select(o => (o.MemberId, o.MemberEpoch, string.Join(",", o.Assignment))))) return last;
        }
        throw new Xunit.Sdk.XunitException("the group did not settle in 10 rounds");
    }

    [Fact]
    public void A_first_member_joins_with_an_id_and_epoch_and_gets_every_partition()
    {
        var joined = Join();
        Assert.Null(joined.Error);
        Assert.Equal("m1", joined.MemberId);
        Assert.True(joined.MemberEpoch > 0);
        Assert.Equal(6, joined.Assignment.Count);
        Assert.Equal(ConsumerGroup.StateStable, _group.State);
    }

    [Fact]
    public void Three_members_reach_the_target_with_every_partition_owned_exactly_once()
    {
        var a = Join();
        var b = Join();
        var c = Join();
        Assert.Equal(ConsumerGroup.StateReconciling, _group.State);
        // b and c get nothing yet: all six are still a's until a revokes them.
        Assert.Empty(b.Assignment);
        Assert.Empty(c.Assignment);

        var settled = Settle(new[] { a, b, c });
        Assert.Equal(ConsumerGroup.StateStable, _group.State);
        var all = settled.Values.SelectMany(o => o.Assignment).ToList();
        Assert.Equal(6, all.Count);
        Assert.Equal(6, all.Distinct().Count());
        Assert.All(settled.Values, o => Assert.Equal(2, o.Assignment.Count));
    }

    [Fact]
    public void A_moved_partition_is_given_only_after_its_owner_acknowledged_revoking_it()
    {
        var a = Join();
        var b = Join();
        var aStep = Beat(a); // told to keep half (its epoch changes with its assignment)
        Assert.Equal(3, aStep.Assignment.Count);
        Assert.NotEqual(a.MemberEpoch, aStep.MemberEpoch);
        var bStep = Beat(b);
        Assert.Empty(bStep.Assignment); // a has not acknowledged yet (its owned set still holds all six)

        var aAck = Beat(aStep); // a lists only its three now: revocation acknowledged
        Assert.Equal(3, aAck.Assignment.Count);
        var bGets = Beat(bStep);
        Assert.Equal(3, bGets.Assignment.Count);
        Assert.Empty(bGets.Assignment.Intersect(aAck.Assignment));
    }

    [Fact]
    public void A_stale_member_epoch_is_fenced_and_its_commits_refused()
    {
        var a = Join();
        var tp = a.Assignment[0];
        Assert.Null(_group.ValidateCommit(a.MemberId, a.MemberEpoch, tp));
        var b = Join();
        var a2 = Beat(a);
        Assert.NotEqual(a.MemberEpoch, a2.MemberEpoch);

        Assert.Equal(ErrorCode.StaleMemberEpoch, _group.ValidateCommit(a.MemberId, a.MemberEpoch, tp)!.Code);
        Assert.Null(Beat(a2).Error); // revocation acknowledged
        Assert.NotEmpty(Beat(b).Assignment); // and the partitions handed to b
        var fenced = Beat(a); // the old epoch again, claiming them
        Assert.Equal(ErrorCode.FencedMemberEpoch, fenced.Error!.Code);
        Assert.Contains("FENCED", fenced.Event);
    }

    [Fact]
    public void A_member_that_lost_its_last_answer_is_told_again_not_fenced()
    {
        var a = Join();
        var b = Join();
        var settled = Settle(new[] { a, b });
        var aNow = settled[a.MemberId];
        var c = Join(); // a third member: a is told to give partitions up, at a new epoch
        var told = Beat(aNow);
        Assert.NotEqual(aNow.MemberEpoch, told.MemberEpoch);
        Assert.True(told.Assignment.Count < aNow.Assignment.Count);

        // That answer was lost: a repeats its previous epoch, still owning everything. Nothing it owns went to
        // anyone else yet, so it is told the same again.
        var repeat = Beat(aNow);
        Assert.Null(repeat.Error);
        Assert.Equal(told.MemberEpoch, repeat.MemberEpoch);
        Assert.Equal(told.Assignment, repeat.Assignment);

        // It acknowledges the revocation; the partitions go to c. A late copy of the old heartbeat claiming them
        // again is fenced: they are someone else's now.
        Assert.Null(Beat(repeat).Error);
        var cGets = Beat(c);
        Assert.NotEmpty(cGets.Assignment.Intersect(aNow.Assignment));
        Assert.Equal(ErrorCode.FencedMemberEpoch, Beat(aNow).Error!.Code);
    }

    [Fact]
    public void Commits_are_checked_for_membership_and_ownership()
    {
        var a = Join();
        var b = Join();
        var settled = Settle(new[] { a, b });
        var (aNow, bNow) = (settled[a.MemberId], settled[b.MemberId]);
        Assert.Equal(ErrorCode.PartitionNotOwned, _group.ValidateCommit(aNow.MemberId, aNow.MemberEpoch, bNow.Assignment[0])!.Code);
        Assert.Equal(ErrorCode.UnknownMemberId, _group.ValidateCommit("nobody", 1, bNow.Assignment[0])!.Code);
        Assert.Null(_group.ValidateCommit(bNow.MemberId, bNow.MemberEpoch, bNow.Assignment[0]));
    }

    [Fact]
    public void A_silent_member_expires_and_its_partitions_go_to_the_others_at_once()
    {
        var a = Join();
        var b = Join();
        var settled = Settle(new[] { a, b });
        _now += 6_000;
        var aAlive = Beat(settled[a.MemberId]);
        _now += 5_000; // b silent for 11 s > 10 s session
        Assert.Equal(new[] { b.MemberId }, _group.ExpireSessions(_now));
        var aAll = Beat(aAlive);
        Assert.Equal(6, aAll.Assignment.Count);
        Assert.Equal(ErrorCode.UnknownMemberId, Beat(settled[b.MemberId]).Error!.Code);
    }

    [Fact]
    public void Leaving_frees_partitions_and_an_unknown_member_cannot_leave()
    {
        var a = Join();
        var b = Join();
        var settled = Settle(new[] { a, b });
        var left = _group.Heartbeat(new ConsumerGroupHeartbeat("g", b.MemberId, LeaveEpoch, new[] { "orders" }, "", 0, null), Session, _now, () => "x");
        Assert.Null(left.Error);
        Assert.Equal(LeaveEpoch, left.MemberEpoch);
        Assert.Equal(6, Beat(settled[a.MemberId]).Assignment.Count);
        var again = _group.Heartbeat(new ConsumerGroupHeartbeat("g", b.MemberId, LeaveEpoch, new[] { "orders" }, "", 0, null), Session, _now, () => "x");
        Assert.Equal(ErrorCode.UnknownMemberId, again.Error!.Code);
    }

    [Fact]
    public void A_subscription_change_triggers_a_rebalance()
    {
        _group.UpdatePartitionCounts(new Dictionary<string, int> { ["orders"] = 6, ["audit"] = 2 });
        var a = Join();
        var epoch = _group.GroupEpoch;
        var changed = _group.Heartbeat(new ConsumerGroupHeartbeat("g", a.MemberId, a.MemberEpoch, new[] { "orders", "audit" }, "sticky", 0, a.Assignment),
            Session, _now, () => "x");
        Assert.True(_group.GroupEpoch > epoch);
        Assert.Equal(8, changed.Assignment.Count);
        Assert.Contains("subscription", changed.Event);
        Assert.Equal(new[] { "audit", "orders" }, _group.Members[a.MemberId].SubscribedTopics);
    }

    [Fact]
    public void A_member_rejoining_under_its_id_starts_over_and_its_old_epoch_is_fenced()
    {
        var a = Join();
        var again = _group.Heartbeat(new ConsumerGroupHeartbeat("g", a.MemberId, JoinEpoch, new[] { "orders" }, "sticky", 0, null), Session, _now, () => "x");
        Assert.Equal(a.MemberId, again.MemberId);
        Assert.True(again.MemberEpoch > a.MemberEpoch);
        Assert.Equal(6, again.Assignment.Count);
        Assert.Single(_group.Members);
        Assert.Equal(ErrorCode.FencedMemberEpoch, Beat(a).Error!.Code);
    }

    [Fact]
    public void More_partitions_in_a_subscribed_topic_trigger_a_rebalance()
    {
        var a = Join();
        var epoch = _group.GroupEpoch;
        Assert.True(_group.UpdatePartitionCounts(new Dictionary<string, int> { ["orders"] = 8 }));
        Assert.True(_group.GroupEpoch > epoch);
        Assert.Equal(8, Beat(a).Assignment.Count);
        Assert.False(_group.UpdatePartitionCounts(new Dictionary<string, int> { ["orders"] = 8, ["other"] = 3 }));
    }

    [Fact]
    public void Partitions_added_to_a_topic_go_to_the_members_without_moving_the_ones_they_own()
    {
        var settled = Settle(new[] { Join(), Join() });
        var ownedBefore = settled.ToDictionary(m => m.Key, m => m.Value.Assignment.ToHashSet());
        Assert.True(_group.UpdatePartitionCounts(new Dictionary<string, int> { ["orders"] = 8 }));
        var after = Settle(settled.Values);
        // Sticky: what each member had stays with it (nothing to revoke, nobody pauses); the two new ones are shared out.
        Assert.All(after, m => Assert.Superset(ownedBefore[m.Key], m.Value.Assignment.ToHashSet()));
        Assert.Equal(Enumerable.Range(0, 8), after.Values.SelectMany(m => m.Assignment).Select(tp => tp.Partition).Order());
        Assert.All(after.Values, m => Assert.Equal(4, m.Assignment.Count));
        Assert.Equal(ConsumerGroup.StateStable, _group.State);
    }

    [Theory]
    [InlineData("range")]
    [InlineData("roundrobin")]
    [InlineData("STICKY")]
    public void Each_assignor_is_chosen_by_name(string assignor)
    {
        var a = Join(assignor);
        Assert.Null(a.Error);
        Assert.Equal(assignor.ToLowerInvariant(), _group.Assignor!.Name);
    }

    [Fact]
    public void Bad_joins_get_typed_errors()
    {
        Assert.Equal(ErrorCode.UnsupportedAssignor, Join("fastest").Error!.Code);
        Join("range");
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, Join("sticky").Error!.Code);
        var noTopics = _group.Heartbeat(new ConsumerGroupHeartbeat("g", "", JoinEpoch, Array.Empty<string>(), "range", 0, null), Session, _now, () => "z");
        Assert.Equal(ErrorCode.InvalidRequest, noTopics.Error!.Code);
        var unknown = _group.Heartbeat(new ConsumerGroupHeartbeat("g", "ghost", 4, new[] { "orders" }, "range", 0, null), Session, _now, () => "z");
        Assert.Equal(ErrorCode.UnknownMemberId, unknown.Error!.Code);
    }

    [Fact]
    public void A_member_subscribed_to_a_topic_that_does_not_exist_yet_gets_its_partitions_once_it_does()
    {
        var a = Join(topic: "later");
        Assert.Empty(a.Assignment);
        Assert.True(_group.UpdatePartitionCounts(new Dictionary<string, int> { ["orders"] = 6, ["later"] = 2 }));
        var next = _group.Heartbeat(new ConsumerGroupHeartbeat("g", a.MemberId, a.MemberEpoch, new[] { "later" }, "sticky", 0, a.Assignment),
            Session, _now, () => "x");
        Assert.Equal(2, next.Assignment.Count);
    }

    [Fact]
    public void Session_timeouts_outside_the_bounds_are_refused()
    {
        var settings = GroupSettings.Default;
        Assert.Equal(settings.DefaultSessionTimeout, settings.SessionTimeoutFor(0));
        Assert.Null(settings.SessionTimeoutFor(10));
        Assert.Null(settings.SessionTimeoutFor(int.MaxValue));
        Assert.Equal(TimeSpan.FromSeconds(5), settings.SessionTimeoutFor(5_000));
    }
}
