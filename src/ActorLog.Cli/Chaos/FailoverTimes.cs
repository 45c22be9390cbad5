namespace ActorLog.Cli.Chaos;

/// <summary>How long one partition led by a killed broker accepted no write: kill → first acknowledgement after it.</summary>
/// <param name="Unavailable">Null when no record of the partition was acknowledged after the kill before the run ended.</param>
public sealed record PartitionFailover(int Kill, int Partition, TimeSpan? Unavailable);

/// <summary>Median and max over the partitions that recovered, and how many never did.</summary>
public sealed record FailoverSummary(int Measured, TimeSpan? Median, TimeSpan? Max, int NeverRecovered);

/// <summary>
/// Failover time measured by the producer's own acknowledgements: the producer keeps writing to every
/// partition, so the first acknowledgement on a partition after its leader's broker was killed marks the end
/// of its unavailability (a new leader, elected and reachable, with enough in-sync replicas for acks=all).
/// </summary>
public static class FailoverTimes
{
    public static IReadOnlyList<PartitionFailover> Compute(IReadOnlyList<(int Kill, TimeSpan KilledAt, IReadOnlyList<int> LedPartitions)> kills,
        IReadOnlyList<AckedRecord> acked)
    {
        var ackTimes = acked.GroupBy(a => a.Partition).ToDictionary(g => g.Key, g => g.Select(a => a.AckedAt).Order().ToArray());
        var result = new List<PartitionFailover>();
        foreach (var (kill, killedAt, partitions) in kills)
            foreach (var p in partitions.Order())
            {
                TimeSpan? unavailable = null;
                if (ackTimes.TryGetValue(p, out var times) && FirstAfter(times, killedAt) is { } first) unavailable = first - killedAt;
                result.Add(new PartitionFailover(kill, p, unavailable));
            }
        return result;
    }

    public static FailoverSummary Summarize(IReadOnlyList<PartitionFailover> failovers)
    {
        var measured = failovers.Where(f => f.Unavailable is not null).Select(f => f.Unavailable!.Value).Order().ToList();
        TimeSpan? median = measured.Count == 0 ? null
            : measured.Count % 2 == 1 ? measured[measured.Count / 2]
            : (measured[measured.Count / 2 - 1] + measured[measured.Count / 2]) / 2;
        return new FailoverSummary(measured.Count, median, measured.Count == 0 ? null : measured[^1], failovers.Count - measured.Count);
    }

    /// <summary>The first time strictly after <paramref name="t"/> in a sorted array, by binary search.</summary>
    private static TimeSpan? FirstAfter(TimeSpan[] sorted, TimeSpan t)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] <= t) lo = mid + 1;
            else hi = mid;
        }
        return lo < sorted.Length ? sorted[lo] : null;
    }
}
