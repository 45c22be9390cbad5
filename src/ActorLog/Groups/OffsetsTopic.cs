using System.Text;
using ActorLog.Common;
using ActorLog.Partitioning;

namespace ActorLog.Groups;

/// <summary>
/// The internal replicated topic that holds committed offsets and group records (Kafka's own design). A group
/// belongs to one of its partitions; the broker leading that partition runs the group's coordinator.
/// </summary>
public static class OffsetsTopic
{
    public const string Name = "__consumer_offsets";

    /// <summary>Kafka's rule, so a group lands on the partition a Kafka cluster would put it on.</summary>
    public static int PartitionFor(string groupId, int partitions) =>
        (Murmur2.Hash(Encoding.UTF8.GetBytes(groupId)) & 0x7fffffff) % partitions;

    public static TopicPartition TopicPartitionFor(string groupId, int partitions) => new(Name, PartitionFor(groupId, partitions));

    /// <summary>Replication for the topic on a cluster of <paramref name="liveBrokers"/>: RF min(3, brokers), min.insync.replicas min(2, RF).</summary>
    public static (int ReplicationFactor, int MinInsyncReplicas) ReplicationFor(int liveBrokers)
    {
        var rf = Math.Clamp(liveBrokers, 1, 3);
        return (rf, Math.Min(2, rf));
    }
}
