using ActorLog.Groups.Assignment;
using Xunit;
using static ActorLog.Tests.Unit.Groups.AssignmentChecks;

namespace ActorLog.Tests.Unit.Groups;

public class RoundRobinAssignorTests
{
    private static readonly IPartitionAssignor RoundRobin = Assignors.RoundRobin;

    [Fact]
    public void Kafka_documented_example_with_identical_subscriptions()
    {
        var input = new AssignmentInput([Member("C0", "t0", "t1"), Member("C1", "t1", "t0")], Topics(("t0", 3), ("t1", 3)));
        Assert.Equal(Parse("C0: t0p0 t0p2 t1p1; C1: t0p1 t1p0 t1p2"), RoundRobin.Assign(input));
    }

    [Fact]
    public void Kafka_documented_example_with_different_subscriptions()
    {
        // RoundRobinAssignor javadoc: t0, t1, t2 have 1, 2, 3 partitions; C0 reads t0, C1 t0 and t1, C2 all three.
        var input = new AssignmentInput(
            [Member("C2", "t0", "t1", "t2"), Member("C0", "t0"), Member("C1", "t0", "t1")],
            Topics(("t0", 1), ("t1", 2), ("t2", 3)));
        Assert.Equal(Parse("C0: t0p0; C1: t1p0; C2: t1p1 t2p0 t2p1 t2p2"), RoundRobin.Assign(input));
    }

    [Fact]
    public void With_identical_subscriptions_totals_differ_by_at_most_one()
    {
        foreach (var c in AssignmentCases.Generate(seed: 31, identicalSubscriptions: true))
        {
            var result = RoundRobin.Assign(c.Input);
            var (min, max) = LoadRange(result);
            Assert.True(max - min <= 1, result.ToString());
        }
    }
}
