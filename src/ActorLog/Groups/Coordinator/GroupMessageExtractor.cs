using Akka.Cluster.Sharding;

namespace ActorLog.Groups.Coordinator;

/// <summary>
/// Entity id = group id; shard id = the group's offsets-topic partition, so every group of a partition lives on
/// the broker the controller placed that shard on: the partition's leader.
/// </summary>
public sealed class GroupMessageExtractor(int offsetsTopicPartitions) : IMessageExtractor
{
    public string? EntityId(object message) => message is IGroupMessage g ? g.GroupId : null;

    public object? EntityMessage(object message) => message;

#pragma warning disable CS0618 // the obsolete overload is still called by sharding internals
    public string? ShardId(object message) => EntityId(message) is { } id ? ShardId(id) : null;
#pragma warning restore CS0618

    public string ShardId(string entityId, object? messageHint = null) => ShardIdOf(OffsetsTopic.PartitionFor(entityId, offsetsTopicPartitions));

    public static string ShardIdOf(int offsetsPartition) => offsetsPartition.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
