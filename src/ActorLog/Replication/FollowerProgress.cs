namespace ActorLog.Replication;

/// <summary>What the leader knows of one follower: how far it has persisted and when it was last caught up.</summary>
public sealed class FollowerProgress(int brokerId)
{
    public int BrokerId { get; } = brokerId;

    /// <summary>The follower's persisted log-end offset, as its last acknowledgement said.</summary>
    public long LogEndOffset { get; set; } = -1;

    /// <summary>The next offset the leader will push to this follower (what it has sent, acked or not).</summary>
    public long NextOffsetToSend { get; set; } = -1;

    /// <summary>The last time the follower had everything the leader had (Kafka's lastCaughtUpTimeMs).</summary>
    public long LastCaughtUpMs { get; set; }

    internal long LeaderEndAtLastAck { get; set; } = -1;
    internal long LastAckMs { get; set; }

    /// <summary>The follower replica actor pushes go to; null until it subscribes.</summary>
    public object? Subscriber { get; set; }

    /// <summary>
    /// Its broker went down and it has not subscribed since: out of sync whatever offset it last reported,
    /// so the leader keeps asking to drop it until the controller records that (an idle partition has no lag to show it).
    /// </summary>
    public bool Gone { get; set; }
}
