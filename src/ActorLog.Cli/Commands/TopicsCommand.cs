using System.CommandLine;
using ActorLog.Client;
using ActorLog.Gateway;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog topics create|list|describe|delete (alter: TopicsAlterCommand.cs, elect-leaders: TopicsLeadershipCommands.cs)</summary>
internal static class TopicsCommand
{
    public static Command Create()
    {
        var topics = new Command("topics", "Create, list, describe, alter and delete topics; elect preferred leaders");
        topics.Subcommands.Add(CreateCommand());
        topics.Subcommands.Add(ListCommand());
        topics.Subcommands.Add(DescribeCommand());
        topics.Subcommands.Add(DeleteCommand());
        topics.Subcommands.Add(TopicsAlterCommand.Create());
        topics.Subcommands.Add(TopicsLeadershipCommands.ElectLeaders());
        return topics;
    }

    private static Command CreateCommand()
    {
        var name = new Argument<string>("name") { Description = "Topic name: 1-249 of [a-zA-Z0-9._-]" };
        var partitions = new Option<int>("--partitions") { Description = "Number of partitions", Required = true };
        var rf = new Option<int>("--replication-factor") { Description = "Replicas per partition, each on a different broker", Required = true };
        var minIsr = new Option<int>("--min-insync-replicas") { Description = "In-sync replicas acks=all needs (default: broker setting)" };
        var maxBytes = new Option<int>("--max-message-bytes") { Description = "Largest record accepted (default: broker setting)" };
        var unclean = new Option<bool>("--unclean-leader-election")
        {
            Description = "Allow a leader from outside the in-sync replicas when none is alive (availability over acknowledged data)",
        };
        var (retentionMs, retentionBytes) = RetentionOptions();
        var cmd = new Command("create", "Create a topic") { name, partitions, rf, minIsr, maxBytes, unclean, retentionMs, retentionBytes };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var topic = await client.CreateTopicAsync(r.GetValue(name)!, r.GetValue(partitions), r.GetValue(rf),
                r.GetValue(minIsr), r.GetValue(maxBytes), ct, r.GetValue(unclean), r.GetValue(retentionMs), r.GetValue(retentionBytes));
            if (CommonOptions.Json(r))
                Output.Json(new { topic = topic.Name, partitions = topic.Partitions.Count, replicationFactor = topic.Partitions[0].Replicas.Count,
                    minInsyncReplicas = topic.Config.MinInsyncReplicas, retentionMs = topic.Config.RetentionMs, retentionBytes = topic.Config.RetentionBytes });
            else Console.Out.WriteLine($"Created topic {topic.Name} with {topic.Partitions.Count} partition(s), replication factor {topic.Partitions[0].Replicas.Count}.");
            return 0;
        }));
        return cmd;
    }

    /// <summary>--retention-ms and --retention-bytes, as create and alter take them.</summary>
    internal static (Option<long?> Ms, Option<long?> Bytes) RetentionOptions() => (
        new Option<long?>("--retention-ms")
        {
            Description = "retention.ms: delete record batches older than this many milliseconds; -1 keeps them (default: broker setting, 7 days)",
        },
        new Option<long?>("--retention-bytes")
        {
            Description = "retention.bytes: delete a partition's oldest record batches beyond this size; -1 no limit (default: broker setting, -1)",
        });

    private static string Retention(long value, string unit) => value < 0 ? "unlimited" : $"{value} {unit}";

    private static Command ListCommand()
    {
        var cmd = new Command("list", "List topics");
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var topics = await client.ListTopicsAsync(ct);
            if (CommonOptions.Json(r))
                Output.Json(topics.Select(t => new { topic = t.Name, partitions = t.Partitions.Count, replicationFactor = t.Partitions[0].Replicas.Count }));
            else Output.Table(new[] { "TOPIC", "PARTITIONS", "REPLICATION-FACTOR" },
                topics.Select(t => (IReadOnlyList<string>)new[] { t.Name, t.Partitions.Count.ToString(), t.Partitions[0].Replicas.Count.ToString() }));
            return 0;
        }));
        return cmd;
    }

    private static Command DescribeCommand()
    {
        var name = new Argument<string>("name");
        var cmd = new Command("describe", "Per partition: leader, epoch, replicas, in-sync replicas, log-end offset, high watermark") { name };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            Print(r, await client.DescribeTopicAsync(r.GetValue(name)!, ct));
            return 0;
        }));
        return cmd;
    }

    /// <summary>A topic as describe shows it (alter shows the topic it changed the same way).</summary>
    internal static void Print(ParseResult r, GatewayProtocol.TopicDescription d)
    {
        if (CommonOptions.Json(r))
        {
            Output.Json(new
            {
                topic = d.Name,
                minInsyncReplicas = d.Config?.MinInsyncReplicas,
                uncleanLeaderElection = d.Config?.UncleanLeaderElection,
                retentionMs = d.Config?.RetentionMs,
                retentionBytes = d.Config?.RetentionBytes,
                partitions = d.Partitions.Select(p => new
                {
                    partition = p.Partition, leader = p.Leader, leaderEpoch = p.LeaderEpoch, replicas = p.Replicas, isr = p.Isr,
                    logStartOffset = p.LogStartOffset, logEndOffset = p.LogEndOffset, highWatermark = p.HighWatermark, logSizeBytes = p.LogSizeBytes,
                    offline = p.Leader < 0, preferredLeader = p.Replicas.Count > 0 ? p.Replicas[0] : -1,
                }),
            });
            return;
        }
        Console.Out.WriteLine($"Topic: {d.Name}  Partitions: {d.Partitions.Count}  MinInsyncReplicas: {d.Config?.MinInsyncReplicas}  " +
            $"UncleanLeaderElection: {(d.Config?.UncleanLeaderElection == true ? "on" : "off")}" +
            (d.Config is { } c ? $"  Retention: {Retention(c.RetentionMs, "ms")}, {Retention(c.RetentionBytes, "bytes")}" : ""));
        Output.Table(new[] { "PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "LOG-START-OFFSET", "LOG-END-OFFSET", "HIGH-WATERMARK", "SIZE" },
            d.Partitions.Select(p => (IReadOnlyList<string>)new[]
            {
                p.Partition.ToString(), p.Leader < 0 ? "none (OFFLINE)" : p.Leader.ToString(), p.LeaderEpoch.ToString(),
                Output.Ids(p.Replicas), Output.Ids(p.Isr), p.LogStartOffset.ToString(), p.LogEndOffset.ToString(), p.HighWatermark.ToString(),
                p.LogSizeBytes < 0 ? "-" : Output.Bytes(p.LogSizeBytes),
            }));
    }

    private static Command DeleteCommand()
    {
        var name = new Argument<string>("name");
        var cmd = new Command("delete", "Delete a topic and its data on every broker") { name };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            await client.DeleteTopicAsync(r.GetValue(name)!, ct);
            if (CommonOptions.Json(r)) Output.Json(new { topic = r.GetValue(name), deleted = true });
            else Console.Out.WriteLine($"Deleted topic {r.GetValue(name)}.");
            return 0;
        }));
        return cmd;
    }
}
