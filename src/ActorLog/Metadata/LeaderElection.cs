namespace ActorLog.Metadata;

/// <summary>
/// Kafka's leader election rules, as pure functions of a partition and the live brokers. A new leader
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
            // Unclean: records only the lost in-sync replicas had are gone; the new leader's log is the truth.
            var unclean = p.Replicas.FirstOrDefault(liveBrokers.Contains, -1);
            if (unclean >= 0) return p with { Leader = unclean, LeaderEpoch = p.LeaderEpoch + 1, Isr = new[] { unclean } };
        }
        // Offline: keep the last ISR, so a returning in-sync replica can lead again without loss.
        return p.Leader < 0 ? null : p with { Leader = -1, LeaderEpoch = p.LeaderEpoch + 1 };
    }

    /// <summary>
    /// Moves leadership to the preferred replica (the first of the replica list, which the assigner spreads
    /// over brokers) when it is alive and in sync; otherwise says why not. Being in the ISR means it holds
    /// every acknowledged record, so the move loses nothing that was acknowledged with acks=all.
    /// </summary>
    public static PreferredElection ElectPreferred(PartitionMetadata p, IReadOnlySet<int> liveBrokers)
    {
        var preferred = p.Replicas[0];
        if (p.Leader == preferred) return new PreferredElection(null, PreferredOutcome.AlreadyPreferred, $"already led by its preferred replica {preferred}");
        if (!liveBrokers.Contains(preferred))
            return new PreferredElection(null, PreferredOutcome.NotEligible, $"preferred replica {preferred} is not alive");
        if (!p.Isr.Contains(preferred))
            return new PreferredElection(null, PreferredOutcome.NotEligible, $"preferred replica {preferred} is not in sync (ISR [{string.Join(",", p.Isr)}])");
        return new PreferredElection(p with { Leader = preferred, LeaderEpoch = p.LeaderEpoch + 1 }, PreferredOutcome.Elected,
            $"leader {p.Leader} → preferred replica {preferred}");
    }
}

public enum PreferredOutcome
{
    Elected,
    AlreadyPreferred,
    NotEligible,
}

/// <summary>The result of a preferred-leader election: the partition's new metadata when it moved.</summary>
public sealed record PreferredElection(PartitionMetadata? Elected, PreferredOutcome Outcome, string Reason);
