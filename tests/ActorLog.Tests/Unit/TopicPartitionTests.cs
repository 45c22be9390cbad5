using ActorLog.Common;
using Xunit;

namespace ActorLog.Tests.Unit;

public class TopicPartitionTests
{
    [Theory]
    [InlineData("orders", 0)]
    [InlineData("orders.v2", 7)]
    [InlineData("my-topic", 12)]
    [InlineData("__consumer_offsets", 49)]
    [InlineData("a.b-c_d.1", 2147483647)]
    [InlineData("...", 1)]
    [InlineData("42", 3)]
    public void EntityId_round_trips(string topic, int partition)
    {
        var tp = new TopicPartition(topic, partition);
        Assert.Equal($"{topic}/{partition}", tp.EntityId);
        Assert.Equal(tp.EntityId, tp.ToString());
        var parsed = TopicPartition.ParseEntityId(tp.EntityId);
        Assert.Equal(tp, parsed);
        Assert.Equal(topic, parsed.Topic);
        Assert.Equal(partition, parsed.Partition);
    }

    [Theory]
    [InlineData("")]
    [InlineData("orders")]
    [InlineData("orders-3")]
    [InlineData("/3")]
    [InlineData("orders/")]
    [InlineData("orders/x")]
    [InlineData("orders/1.5")]
    [InlineData("orders/99999999999")]
    [InlineData("orders/3/")]
    public void ParseEntityId_rejects_malformed_ids(string entityId)
    {
        var e = Assert.Throws<FormatException>(() => TopicPartition.ParseEntityId(entityId));
        Assert.Contains(entityId, e.Message);
    }

    [Fact]
    public void Equal_partitions_are_equal_values()
    {
        Assert.Equal(new TopicPartition("t", 1), new TopicPartition("t", 1));
        Assert.NotEqual(new TopicPartition("t", 1), new TopicPartition("t", 2));
        Assert.NotEqual(new TopicPartition("t", 1), new TopicPartition("T", 1));
        Assert.Equal(new TopicPartition("t", 1).GetHashCode(), TopicPartition.ParseEntityId("t/1").GetHashCode());
    }
}
