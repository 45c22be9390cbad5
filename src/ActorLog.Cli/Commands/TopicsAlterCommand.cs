using System.CommandLine;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog topics alter NAME [--partitions N] [--unclean-leader-election true|false] [--retention-ms MS] [--retention-bytes B]</summary>
internal static class TopicsAlterCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name");
        var partitions = new Option<int?>("--partitions")
        {
            Description = "Grow the topic to this many partitions (it never shrinks). As in Kafka, keyed records then go to " +
                "murmur2(key) % the new count: a key's new records may land in another partition than its old ones",
        };
        var unclean = new Option<bool?>("--unclean-leader-election")
        {
            Description = "true: an offline partition may elect a replica outside the in-sync set (losing what only the lost replicas had); false: never",
        };
        var (retentionMs, retentionBytes) = TopicsCommand.RetentionOptions();
        var cmd = new Command("alter", "Add partitions to a topic and/or change its unclean leader election or retention settings; " +
            "shows the topic as describe does") { name, partitions, unclean, retentionMs, retentionBytes };
        // Checked while parsing, so a call that would change nothing fails before connecting to any broker.
        cmd.Validators.Add(result =>
        {
            if (result.GetValue(partitions) is null && result.GetValue(unclean) is null && result.GetValue(retentionMs) is null
                && result.GetValue(retentionBytes) is null)
                result.AddError("Give at least one of --partitions N, --unclean-leader-election true|false, --retention-ms MS, --retention-bytes B");
        });
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var topic = r.GetValue(name)!;
            var changes = new List<string>();
            // Partitions first: it is the change that can be refused (shrinking), and then nothing has changed at all.
            if (r.GetValue(partitions) is { } total)
            {
                var grown = await client.AddPartitionsAsync(topic, total, ct);
                changes.Add($"now has {grown.Partitions.Count} partitions");
            }
            if (r.GetValue(unclean) is { } enabled)
            {
                await client.SetUncleanLeaderElectionAsync(topic, enabled, ct);
                changes.Add($"unclean leader election {(enabled ? "on" : "off")}");
            }
            if (r.GetValue(retentionMs) is not null || r.GetValue(retentionBytes) is not null)
            {
                var config = (await client.SetRetentionAsync(topic, r.GetValue(retentionMs), r.GetValue(retentionBytes), ct)).Config;
                changes.Add($"retention.ms {config.RetentionMs}, retention.bytes {config.RetentionBytes}");
            }
            var described = await client.DescribeTopicAsync(topic, ct);
            if (!CommonOptions.Json(r)) Console.Out.WriteLine($"Topic {topic}: {string.Join(", ", changes)}.");
            TopicsCommand.Print(r, described);
            return 0;
        }));
        return cmd;
    }
}
