using System.CommandLine;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog cluster status: brokers, the controller, under-replicated and offline partitions.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var cluster = new Command("cluster", "Cluster-wide views");
        var status = new Command("status", "Brokers, the controller's broker, under-replicated and offline partitions");
        status.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var m = await client.RefreshMetadataAsync(ct);
            var partitions = m.Topics.SelectMany(t => t.Partitions).ToList();
            var underReplicated = partitions.Count(p => p.Leader >= 0 && p.Isr.Count < p.Replicas.Count);
            var offline = partitions.Count(p => p.Leader < 0);
            if (CommonOptions.Json(r))
            {
                Output.Json(new
                {
                    brokers = m.Brokers.Select(b => new { id = b.Id, address = $"{b.Host}:{b.Port}", status = b.Status }),
                    controller = m.ControllerBrokerId, topics = m.Topics.Count, partitions = partitions.Count,
                    underReplicatedPartitions = underReplicated, offlinePartitions = offline,
                });
                return 0;
            }
            Output.Table(new[] { "BROKER", "ADDRESS", "STATUS", "CONTROLLER" }, m.Brokers.Select(b => (IReadOnlyList<string>)new[]
                { b.Id.ToString(), $"{b.Host}:{b.Port}", b.Status, b.Id == m.ControllerBrokerId ? "yes" : "" }));
            Console.Out.WriteLine($"Topics: {m.Topics.Count}  Partitions: {partitions.Count}  Under-replicated: {underReplicated}  Offline: {offline}");
            return 0;
        }));
        cluster.Subcommands.Add(status);
        return cluster;
    }
}
