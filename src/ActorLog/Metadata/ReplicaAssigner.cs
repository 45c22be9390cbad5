namespace ActorLog.Metadata;

/// <summary>
/// Places the replicas of a new topic: partition p's replicas are R consecutive brokers starting at
/// broker (start + p), so the first replica (the preferred leader) rotates and leaders spread evenly.
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
}
