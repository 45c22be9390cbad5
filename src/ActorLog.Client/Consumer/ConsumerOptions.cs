using ActorLog.Common;

namespace ActorLog.Client.Consumer;

/// <summary>
/// Where a consumer starts in a partition its group has never committed, and where it goes on when its position is out
/// of the log's range (retention dropped those records): Kafka's auto.offset.reset.
/// </summary>
public enum AutoOffsetReset
{
    Earliest,
    Latest,
    /// <summary>Fail with <see cref="ErrorCode.NoCommittedOffset"/> (or OffsetOutOfRange) instead of guessing.</summary>
    None,
}

/// <summary>A consumer's settings; the defaults are Kafka's, except a shorter session timeout (the broker's default).</summary>
public sealed record ConsumerOptions
{
    /// <summary>range, roundrobin or sticky (the group's first member chooses).</summary>
    public string Assignor { get; init; } = "sticky";

    /// <summary>Zero: the broker's groups.default-session-timeout.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.Zero;

    public bool AutoCommit { get; init; } = true;

    public TimeSpan AutoCommitInterval { get; init; } = TimeSpan.FromSeconds(5);

    public AutoOffsetReset AutoOffsetReset { get; init; } = AutoOffsetReset.Latest;

    /// <summary>How long one fetch waits for new records (long poll).</summary>
    public TimeSpan FetchMaxWait { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Called with partitions newly assigned to this consumer, before any of their records is returned.</summary>
    public Func<IReadOnlyCollection<TopicPartition>, Task>? OnAssigned { get; init; }

    /// <summary>Called with partitions taken away (after their positions are committed when auto-commit is on).</summary>
    public Func<IReadOnlyCollection<TopicPartition>, Task>? OnRevoked { get; init; }
}
