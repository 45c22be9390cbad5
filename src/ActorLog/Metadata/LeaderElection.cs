namespace ActorLog.Metadata;

/// <summary>
/// Kafka's leader election rules, as a pure function of a partition and the live brokers. A new leader
/// always gets a higher epoch, so replicas and clients can tell a stale leader's messages apart.
/// </summary>
public static class LeaderElection
{
    /// <summary>The partition after an election, or null when its leader is alive and nothing changes.</summary>
    public static PartitionMetadata? Elect(PartitionMetadata p, IReadOnlySet<int> liveBrokers, bool uncleanAllowed)
    {
        if (p.Leader >= 0 && liveBrokers.Contains(p.Leader)) return null;
        // Clean: the first live in-sync replica in preference (replica) order holds every acknowledged record.
        var clean = p.Replicas.FirstOrDefault(r => p.Isr.Contains(r) && liveBrokers.Contains(r), -1);
        if (clean >= 0)
            return p with { Leader = clean, LeaderEpoch = p.LeaderEpoch + 1, Isr = p.Isr.Where(liveBrokers.Contains).ToArray() };
        if (uncleanAllowed)
        {
            var unclean = p.Replicas.FirstOrDefault(liveBrokers.Contains, -1);
            if (unclean >= 0) return p with { Leader = unclean, LeaderEpoch = p.LeaderEpoch + 1, Isr = new[] { unclean } };
        }
        // Offline: keep the last ISR, so a returning in-sync replica can lead again without loss.
        return p.Leader < 0 ? null : p with { Leader = -1, LeaderEpoch = p.LeaderEpoch + 1 };
    }
}
