using ActorLog.Groups.Assignment;
using Xunit;
using static ActorLog.Tests.Unit.Groups.AssignmentChecks;

namespace ActorLog.Tests.Unit.Groups;

public class RangeAssignorTests
{
    private static readonly IPartitionAssignor Range = Assignors.Range;

    [Fact]
    public void Kafka_documented_example()
    {
        // RangeAssignor javadoc: C0 and C1 subscribe to t0 and t1, three partitions each.
        var input = new AssignmentInput([Member("C1", "t0", "t1"), Member("C0", "t0", "t1")], Topics(("t0", 3), ("t1", 3)));
        Assert.Equal(Parse("C0: t0p0 t0p1 t1p0 t1p1; C1: t0p2 t1p2"), Range.Assign(input));
    }

    [Fact]
    public void Each_topic_is_split_among_its_own_subscribers()
    {
        var input = new AssignmentInput(
            [Member("a", "t0"), Member("b", "t0", "t1"), Member("c", "t1")],
            Topics(("t0", 5), ("t1", 2)));
        Assert.Equal(Parse("a: t0p0 t0p1 t0p2; b: t0p3 t0p4 t1p0; c: t1p1"), Range.Assign(input));
    }

    [Fact]
    public void Per_topic_the_members_in_id_order_take_contiguous_ranges_the_first_ones_one_more()
    {
        foreach (var identical in new[] { false, true })
            foreach (var c in AssignmentCases.Generate(seed: 21, identical))
            {
                var result = Range.Assign(c.Input);
                foreach (var (topic, count) in c.Input.PartitionCounts)
                {
                    var subscribers = c.Input.Members.Where(m => m.SubscribedTopics.Contains(topic))
                        .Select(m => m.MemberId).Order(StringComparer.Ordinal).ToArray();
                    if (subscribers.Length == 0) continue;
                    var taken = subscribers.Select(m => result.Of(m).Where(p => p.Topic == topic).Select(p => p.Partition).ToArray()).ToArray();
                    // Concatenated in member order, the ranges are 0..count-1: contiguous and ordered.
                    Assert.Equal(Enumerable.Range(0, count), taken.SelectMany(p => p));
                    var sizes = taken.Select(p => p.Length).ToArray();
                    Assert.True(sizes.Max() - sizes.Min() <= 1, $"{topic}: {string.Join(",", sizes)}");
                    Assert.Equal(sizes.OrderDescending(), sizes);
                }
            }
    }
}
