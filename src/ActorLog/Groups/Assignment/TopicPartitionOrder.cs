using ActorLog.Common;

namespace ActorLog.Groups.Assignment;

/// <summary>
/// Topic name (ordinal), then partition number. Assignors deal partitions out in this order, so the order is
/// part of their contract: it must not depend on culture or on the order a dictionary happens to enumerate in.
/// </summary>
public sealed class TopicPartitionOrder : IComparer<TopicPartition>
{
    public static readonly TopicPartitionOrder Instance = new();

    private TopicPartitionOrder() { }

    public int Compare(TopicPartition x, TopicPartition y)
    {
        var byTopic = string.CompareOrdinal(x.Topic, y.Topic);
        return byTopic != 0 ? byTopic : x.Partition.CompareTo(y.Partition);
    }
}
