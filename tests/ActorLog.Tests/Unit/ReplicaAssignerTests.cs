using ActorLog.Metadata;
using Xunit;

namespace ActorLog.Tests.Unit;

public class ReplicaAssignerTests
{
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        // partitions, replication factor, brokers, start
        { 1, 1, 1, 0 },
        { 6, 3, 3, 0 },
        { 7, 2, 3, 1 },
        { 10, 3, 4, 5 },
        { 3, 1, 5, 2 },
        { 50, 3, 7, 13 },
        { 12, 5, 5, 0 },
    };

    private static int[] Brokers(int count) => Enumerable.Range(0, count).Select(i => 10 + i * 3).ToArray();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Each_partition_gets_R_distinct_live_brokers(int partitions, int rf, int brokerCount, int start)
    {
        var brokers = Brokers(brokerCount);
        var result = ReplicaAssigner.Assign(partitions, rf, brokers, start);
        Assert.Equal(partitions, result.Count);
        for (var p = 0; p < partitions; p++)
        {
            var pm = result[p];
            Assert.Equal(p, pm.Partition);
            Assert.Equal(rf, pm.Replicas.Count);
            Assert.Equal(rf, pm.Replicas.Distinct().Count());
            Assert.All(pm.Replicas, r => Assert.Contains(r, brokers));
            Assert.Equal(pm.Replicas[0], pm.Leader);
            Assert.Equal(pm.Replicas, pm.Isr);
            Assert.Equal(0, pm.LeaderEpoch);
            Assert.False(pm.IsOffline);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Leaders_are_spread_evenly(int partitions, int rf, int brokerCount, int start)
    {
        var brokers = Brokers(brokerCount);
        var result = ReplicaAssigner.Assign(partitions, rf, brokers, start);
        var led = brokers.ToDictionary(b => b, _ => 0);
        foreach (var pm in result) led[pm.Leader]++;
        var floor = partitions / brokerCount;
        var ceil = (partitions + brokerCount - 1) / brokerCount;
        Assert.All(led.Values, n => Assert.InRange(n, floor, ceil));
        Assert.Equal(partitions, led.Values.Sum());
    }

    [Fact]
    public void Broker_order_given_does_not_matter()
    {
        var a = ReplicaAssigner.Assign(5, 2, new[] { 3, 1, 2 }, 0);
        var b = ReplicaAssigner.Assign(5, 2, new[] { 1, 2, 3 }, 0);
        Assert.Equal(a.Select(p => string.Join(",", p.Replicas)), b.Select(p => string.Join(",", p.Replicas)));
        Assert.Equal(new[] { 1, 2 }, a[0].Replicas);
        Assert.Equal(new[] { 2, 3 }, a[1].Replicas);
        Assert.Equal(new[] { 3, 1 }, a[2].Replicas);
    }

    [Fact]
    public void Start_rotates_the_first_leader()
    {
        var brokers = new[] { 1, 2, 3 };
        Assert.Equal(1, ReplicaAssigner.Assign(1, 1, brokers, 0)[0].Leader);
        Assert.Equal(2, ReplicaAssigner.Assign(1, 1, brokers, 1)[0].Leader);
        Assert.Equal(1, ReplicaAssigner.Assign(1, 1, brokers, 3)[0].Leader);
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(2, 1)]
    [InlineData(1, 0)]
    public void Replication_factor_above_the_broker_count_throws(int rf, int brokerCount)
    {
        var e = Assert.Throws<ArgumentException>(() => ReplicaAssigner.Assign(3, rf, Brokers(brokerCount), 0));
        Assert.Contains(rf.ToString(), e.Message);
    }

    public static TheoryData<int, int, int, int, int> Growths => new()
    {
        // partitions, added, replication factor, brokers, start
        { 2, 2, 3, 3, 0 },
        { 3, 3, 2, 3, 1 },
        { 1, 9, 1, 4, 3 },
        { 7, 5, 3, 5, 2 },
        { 10, 1, 2, 3, 4 },
    };

    [Theory]
    [MemberData(nameof(Growths))]
    public void Added_partitions_continue_the_topics_rotation_when_the_brokers_are_the_same(int partitions, int added, int rf, int brokerCount, int start)
    {
        var brokers = Brokers(brokerCount);
        var existing = ReplicaAssigner.Assign(partitions, rf, brokers, start);
        var grown = ReplicaAssigner.AssignAdditional(existing, partitions + added, rf, brokers);
        // As if the topic had been created with the larger count.
        var created = ReplicaAssigner.Assign(partitions + added, rf, brokers, start).Skip(partitions);
        Assert.Equal(created.Select(Structural.Flatten), grown.Select(Structural.Flatten));
    }

    [Theory]
    [MemberData(nameof(Growths))]
    public void Added_partitions_only_are_returned_numbered_after_the_existing_ones(int partitions, int added, int rf, int brokerCount, int start)
    {
        var brokers = Brokers(brokerCount);
        var existing = ReplicaAssigner.Assign(partitions, rf, brokers, start);
        var grown = ReplicaAssigner.AssignAdditional(existing, partitions + added, rf, brokers);
        Assert.Equal(Enumerable.Range(partitions, added), grown.Select(p => p.Partition));
        Assert.All(grown, p =>
        {
            Assert.Equal(rf, p.Replicas.Distinct().Count());
            Assert.All(p.Replicas, r => Assert.Contains(r, brokers));
            Assert.Equal(p.Replicas[0], p.Leader);
            Assert.Equal(p.Replicas, p.Isr);
            Assert.Equal(0, p.LeaderEpoch);
        });
    }

    [Fact]
    public void New_partitions_go_first_to_the_brokers_leading_the_fewest_of_the_topic()
    {
        // Created on brokers 1-3 (leaders 1,2,3,1,2,3); brokers 4 and 5 joined since.
        var existing = ReplicaAssigner.Assign(6, 2, new[] { 1, 2, 3 }, 0);
        var grown = ReplicaAssigner.AssignAdditional(existing, 10, 2, new[] { 1, 2, 3, 4, 5 });
        Assert.Equal(new[] { 4, 5, 4, 5 }, grown.Select(p => p.Leader));
        Assert.Equal(new[] { 4, 5 }, grown[0].Replicas);
        Assert.Equal(new[] { 5, 1 }, grown[1].Replicas);
        var led = existing.Concat(grown).GroupBy(p => p.Leader).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<int, int> { [1] = 2, [2] = 2, [3] = 2, [4] = 2, [5] = 2 }, led);
    }

    [Fact]
    public void A_broker_no_longer_alive_gets_no_new_partition()
    {
        var existing = ReplicaAssigner.Assign(3, 2, new[] { 1, 2, 3 }, 0);
        var grown = ReplicaAssigner.AssignAdditional(existing, 7, 2, new[] { 1, 3 });
        Assert.All(grown, p => Assert.DoesNotContain(2, p.Replicas));
        Assert.Equal(new[] { 1, 3, 1, 3 }, grown.Select(p => p.Leader));
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(3, 2)]
    public void Adding_no_partitions_throws(int existingCount, int total)
    {
        var existing = ReplicaAssigner.Assign(existingCount, 1, new[] { 1, 2, 3 }, 0);
        Assert.Throws<ArgumentException>(() => ReplicaAssigner.AssignAdditional(existing, total, 1, new[] { 1, 2, 3 }));
    }

    [Fact]
    public void Replication_factor_above_the_live_brokers_throws_when_adding()
    {
        var existing = ReplicaAssigner.Assign(2, 3, new[] { 1, 2, 3 }, 0);
        Assert.Throws<ArgumentException>(() => ReplicaAssigner.AssignAdditional(existing, 4, 3, new[] { 1, 2 }));
    }
}
