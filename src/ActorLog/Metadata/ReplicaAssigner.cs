namespace ActorLog.Metadata;

/// <summary>
/// Places the replicas of a new topic: partition p's replicas are R consecutive brokers starting at
/// broker (start + p), so the first replica (the preferred leader) rotates and leaders spread evenly.
/// Partitions added to an existing topic are placed the same way around the brokers, each led by the broker that
/// is preferred leader of the fewest of the topic's partitions (see <see cref="AssignAdditional"/>).
/// </summary>
public static class ReplicaAssigner
{
    public static IReadOnlyList<PartitionMetadata> Assign(int partitions, int replicationFactor, IReadOnlyList<int> brokers, int start)
    {
        if (replicationFactor > brokers.Count)
            throw new ArgumentException($"Replication factor {replicationFactor} is above the {brokers.Count} live brokers");
        var sorted = brokers.Order().ToArray();
        var result = new PartitionMetadata[partitions];
        for (var p = 0; p < partitions; p++)
        {
            var replicas = new int[replicationFactor];
            for (var i = 0; i < replicationFactor; i++) replicas[i] = sorted[(start + p + i) % sorted.Length];
            result[p] = new PartitionMetadata(p, replicas[0], 0, replicas, replicas.ToArray());
        }
        return result;
    }

    /// <summary>
    /// Replicas for partitions <c>existing.Count .. totalPartitions - 1</c> of a topic being grown; existing partitions are
    /// not touched. Each new partition's preferred leader is the live broker that is preferred leader (first replica) of
    /// the fewest partitions of the topic so far, ties going to the next broker after the previous partition's, which
    /// continues the topic's rotation when the brokers have not changed since it was created and evens the leaders out
    /// when they have. Its other replicas are the R - 1 brokers that follow it in id order, as at creation.
    /// </summary>
    public static IReadOnlyList<PartitionMetadata> AssignAdditional(IReadOnlyList<PartitionMetadata> existing, int totalPartitions,
        int replicationFactor, IReadOnlyList<int> brokers)
    {
        if (replicationFactor > brokers.Count)
            throw new ArgumentException($"Replication factor {replicationFactor} is above the {brokers.Count} live brokers");
        if (totalPartitions <= existing.Count)
            throw new ArgumentException($"The topic has {existing.Count} partitions; {totalPartitions} adds none");
        var sorted = brokers.Order().ToArray();
        var led = sorted.ToDictionary(b => b, b => existing.Count(p => p.Replicas.Count > 0 && p.Replicas[0] == b));
        // Where the rotation stands: the broker after the last partition's preferred leader in id order (that one may be dead).
        var previous = existing.Count > 0 && existing[^1].Replicas.Count > 0 ? existing[^1].Replicas[0] : int.MinValue;
        var next = Math.Max(0, Array.FindIndex(sorted, b => b > previous));
        var result = new List<PartitionMetadata>();
        for (var p = existing.Count; p < totalPartitions; p++)
        {
            var fewest = led.Values.Min();
            var leaderIndex = Enumerable.Range(0, sorted.Length).Select(i => (next + i) % sorted.Length).First(i => led[sorted[i]] == fewest);
            var replicas = new int[replicationFactor];
            for (var i = 0; i < replicationFactor; i++) replicas[i] = sorted[(leaderIndex + i) % sorted.Length];
            result.Add(new PartitionMetadata(p, replicas[0], 0, replicas, replicas.ToArray()));
            led[replicas[0]]++;
            next = (leaderIndex + 1) % sorted.Length;
        }
        return result;
    }
}
