using ActorLog.Common;
using ActorLog.Groups.Assignment;
using Xunit;
using static ActorLog.Tests.Unit.Groups.AssignmentChecks;

namespace ActorLog.Tests.Unit.Groups;

public class ReconciliationTests
{
    // An array, not a collection expression: that would become an ImmutableSortedSet with the default comparer,
    // which TopicPartition (deliberately not IComparable) cannot use.
    private static readonly TopicPartition[] T1 = [new("t", 1)];

    [Fact]
    public void A_moved_partition_waits_for_its_owner_to_revoke_it()
    {
        var target = Parse("a: tp0; b: tp1");
        var plan = Reconciliation.Plan(Parse("a: tp0 tp1; b:"), target);
        Assert.Equal(Parse("a: tp0"), Allowed(plan, "a"));
        Assert.Equal(T1, plan["a"].Revoke.ToArray());
        Assert.Empty(plan["b"].Assign);
        Assert.Equal(T1, plan["b"].Pending.ToArray());
        Assert.False(plan["b"].IsReconciled);

        // a acknowledged: t/1 is free, and b may take it.
        plan = Reconciliation.Plan(Parse("a: tp0; b:"), target);
        Assert.True(plan["a"].IsReconciled);
        Assert.Equal(T1, plan["b"].Assign.ToArray());
        Assert.Empty(plan["b"].Pending);
    }

    [Fact]
    public void Partitions_that_stay_are_never_paused()
    {
        var plan = Reconciliation.Plan(Parse("a: tp0 tp1 tp2"), Parse("a: tp0 tp1; b: tp2"));
        Assert.Equal(Parse("a: tp0 tp1"), Allowed(plan, "a"));
        Assert.Equal(plan["a"].Keep, plan["a"].Allowed);
    }

    [Fact]
    public void A_swap_completes_in_two_steps()
    {
        var target = Parse("a: tp1; b: tp0");
        var plan = Reconciliation.Plan(Parse("a: tp0; b: tp1"), target);
        Assert.All(plan.Values, p => Assert.Single(p.Revoke));
        Assert.All(plan.Values, p => Assert.Single(p.Pending));
        Assert.All(plan.Values, p => Assert.Empty(p.Allowed));

        plan = Reconciliation.Plan(Parse("a:; b:"), target);
        Assert.Equal(target, GroupAssignment.From(plan.Select(p => KeyValuePair.Create(p.Key, p.Value.Allowed))));
    }

    [Fact]
    public void A_member_missing_from_the_target_revokes_everything()
    {
        var plan = Reconciliation.Plan(Parse("leaving: tp0 tp1; staying: tp2"), Parse("staying: tp0 tp1 tp2"));
        Assert.Equal(2, plan["leaving"].Revoke.Count);
        Assert.Empty(plan["leaving"].Allowed);
        Assert.Equal(2, plan["staying"].Pending.Count);
    }

    [Fact]
    public void A_partition_owned_twice_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Reconciliation.Plan(Parse("a: tp0; b: tp0"), Parse("a: tp0")));
        Assert.Contains("[t/0] is owned by both [a] and [b]", e.Message);
    }

    /// <summary>
    /// A coordinator and its members, interleaved at random: heartbeats (take Assign, be told to revoke),
    /// acknowledgements that come later, members joining, leaving (fenced: their partitions are freed) and
    /// resubscribing, and topics growing, each change giving a new sticky target. After every event no partition
    /// has two owners; once changes stop, every member reaches its target within two full rounds.
    /// </summary>
    [Fact]
    public void No_partition_is_ever_owned_by_two_members_and_members_converge()
    {
        var rng = new Random(848);
        var pendingSeen = 0;
        for (var run = 0; run < 120; run++)
        {
            var group = new SimulatedGroup(rng);
            for (var step = 0; step < 120; step++)
            {
                switch (rng.Next(12))
                {
                    case 0: group.Join(); break;
                    case 1: group.Leave(); break;
                    case 2: group.Resubscribe(); break;
                    case 3: group.GrowTopic(); break;
                    case < 8: pendingSeen += group.Heartbeat(group.RandomMember()); break;
                    default: group.Acknowledge(group.RandomMember()); break;
                }
                group.AssertNoPartitionOwnedTwice();
            }

            for (var round = 0; round < 2; round++)
            {
                foreach (var member in group.MemberIds) group.Heartbeat(member);
                foreach (var member in group.MemberIds) group.Acknowledge(member);
                group.AssertNoPartitionOwnedTwice();
            }
            Assert.Equal(group.Target, group.Owned);
            Assert.All(Reconciliation.Plan(group.Owned, group.Target).Values, p => Assert.True(p.IsReconciled));
        }
        Assert.True(pendingSeen > 100, $"only {pendingSeen} heartbeats had to wait for a revocation");
    }

    private static GroupAssignment Allowed(IReadOnlyDictionary<string, MemberReconciliation> plan, string member) =>
        GroupAssignment.From([KeyValuePair.Create(member, plan[member].Allowed)]);

    private sealed class SimulatedGroup
    {
        private static readonly string[] TopicNames = ["a", "b", "c"];
        private readonly Random _rng;
        private readonly Dictionary<string, string[]> _subscriptions = new();
        private readonly Dictionary<string, int> _partitions;
        private readonly Dictionary<string, HashSet<TopicPartition>> _owned = new();
        private readonly Dictionary<string, IReadOnlySet<TopicPartition>> _toldToRevoke = new();

        public SimulatedGroup(Random rng)
        {
            _rng = rng;
            _partitions = TopicNames.ToDictionary(t => t, _ => rng.Next(1, 13));
            var members = rng.Next(1, 6);
            for (var i = 0; i < members; i++) Join();
        }

        public GroupAssignment Target { get; private set; } = GroupAssignment.Empty;

        public GroupAssignment Owned => GroupAssignment.From(_owned);

        public IReadOnlyList<string> MemberIds => _subscriptions.Keys.ToList();

        public string RandomMember() => MemberIds[_rng.Next(MemberIds.Count)];

        public void Join()
        {
            var id = $"m{_rng.Next(1000)}";
            if (_subscriptions.ContainsKey(id)) return;
            _subscriptions[id] = RandomTopics();
            _owned[id] = [];
            Retarget();
        }

        public void Leave()
        {
            if (_subscriptions.Count < 2) return;
            var id = RandomMember();
            _subscriptions.Remove(id);
            _owned.Remove(id);
            _toldToRevoke.Remove(id);
            Retarget();
        }

        public void Resubscribe()
        {
            _subscriptions[RandomMember()] = RandomTopics();
            Retarget();
        }

        public void GrowTopic()
        {
            _partitions[TopicNames[_rng.Next(TopicNames.Length)]] += _rng.Next(1, 4);
            Retarget();
        }

        /// <summary>The coordinator answers a heartbeat. Returns 1 when some partition had to wait.</summary>
        public int Heartbeat(string member)
        {
            var plan = Reconciliation.Plan(Owned, Target)[member];
            Assert.Subset(Target.Of(member).ToHashSet(), plan.Assign.ToHashSet());
            Assert.Empty(plan.Revoke.Intersect(Target.Of(member)));
            _owned[member].UnionWith(plan.Assign);
            _toldToRevoke[member] = plan.Revoke;
            return plan.Pending.IsEmpty ? 0 : 1;
        }

        /// <summary>The member has committed and stopped what it was told to revoke.</summary>
        public void Acknowledge(string member)
        {
            if (_toldToRevoke.Remove(member, out var revoked)) _owned[member].ExceptWith(revoked);
        }

        public void AssertNoPartitionOwnedTwice()
        {
            var twice = _owned.SelectMany(m => m.Value.Select(p => (Member: m.Key, Partition: p)))
                .GroupBy(o => o.Partition).FirstOrDefault(g => g.Count() > 1);
            Assert.True(twice is null, $"{twice?.Key} owned by {string.Join(" and ", twice?.Select(o => o.Member) ?? [])}");
        }

        private string[] RandomTopics() => TopicNames.Where(_ => _rng.Next(2) == 0).ToArray();

        private void Retarget()
        {
            var members = _subscriptions.Select(s => new GroupMember(s.Key, s.Value)).ToArray();
            Target = Assignors.Sticky.Assign(new AssignmentInput(members, _partitions, Target));
        }
    }
}
