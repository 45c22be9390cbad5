namespace ActorLog.Common;

/// <summary>A partition of a topic: the unit of ordering, replication and placement.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    /// <summary>The sharding entity and shard id; '/' cannot occur in a topic name.</summary>
    public string EntityId => $"{Topic}/{Partition}";

    public override string ToString() => EntityId;

    public static TopicPartition ParseEntityId(string entityId)
    {
        var slash = entityId.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(entityId.AsSpan(slash + 1), out var partition))
            throw new FormatException($"Not a partition entity id: [{entityId}]");
        return new TopicPartition(entityId[..slash], partition);
    }
}
