using ActorLog.Common;

namespace ActorLog.Metadata;

/// <summary>Kafka's rules for topic names and creation arguments, with messages a user can act on.</summary>
public static class TopicValidation
{
    public const int MaxNameLength = 249;

    public static ErrorInfo? ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return new(ErrorCode.InvalidTopic, "Topic name is empty");
        if (name is "." or "..") return new(ErrorCode.InvalidTopic, $"Topic name cannot be \"{name}\"");
        if (name.Length > MaxNameLength)
            return new(ErrorCode.InvalidTopic, $"Topic name is {name.Length} characters; at most {MaxNameLength} are allowed");
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return new(ErrorCode.InvalidTopic,
                    $"Topic name \"{name}\" has the character '{c}'; only ASCII letters, digits, '.', '_' and '-' are allowed");
        return null;
    }

    public static ErrorInfo? ValidateCreate(string name, int partitions, int replicationFactor, int minInsyncReplicas, int liveBrokers)
    {
        if (ValidateName(name) is { } nameError) return nameError;
        if (partitions < 1) return new(ErrorCode.InvalidPartitions, $"Number of partitions must be at least 1, got {partitions}");
        if (replicationFactor < 1)
            return new(ErrorCode.InvalidReplicationFactor, $"Replication factor must be at least 1, got {replicationFactor}");
        if (replicationFactor > liveBrokers)
            return new(ErrorCode.InvalidReplicationFactor,
                $"Replication factor {replicationFactor} is larger than the {liveBrokers} live broker(s)");
        if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor)
            return new(ErrorCode.InvalidConfig,
                $"min.insync.replicas must be between 1 and the replication factor {replicationFactor}, got {minInsyncReplicas}");
        return null;
    }

    /// <summary>retention.ms and retention.bytes: -1 (keep everything) or 0 and above, as in Kafka; null means not given.</summary>
    public static ErrorInfo? ValidateRetention(long? retentionMs, long? retentionBytes)
    {
        if (retentionMs < -1)
            return new(ErrorCode.InvalidConfig, $"retention.ms must be -1 (keep everything) or 0 and above, got {retentionMs}");
        if (retentionBytes < -1)
            return new(ErrorCode.InvalidConfig, $"retention.bytes must be -1 (no size limit) or 0 and above, got {retentionBytes}");
        return null;
    }

    /// <summary>
    /// Kafka's rules for adding partitions: the count only grows (keys are placed modulo the count, and a partition's
    /// records cannot be split or merged), and the new partitions need as many live brokers as the topic's replication factor.
    /// </summary>
    public static ErrorInfo? ValidateAddPartitions(TopicMetadata topic, int totalPartitions, int liveBrokers)
    {
        var current = topic.Partitions.Count;
        if (totalPartitions < current)
            return new(ErrorCode.InvalidPartitions,
                $"topic {topic.Name} has {current} partitions; it can only grow, asked for {totalPartitions}");
        if (totalPartitions == current)
            return new(ErrorCode.InvalidPartitions,
                $"topic {topic.Name} already has {current} partitions; ask for more to add some");
        var replicationFactor = topic.ReplicationFactor;
        if (replicationFactor > liveBrokers)
            return new(ErrorCode.InvalidReplicationFactor,
                $"topic {topic.Name} has replication factor {replicationFactor}; its new partitions need {replicationFactor} live brokers, " +
                $"{liveBrokers} are live");
        return null;
    }
}
