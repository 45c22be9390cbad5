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
}
