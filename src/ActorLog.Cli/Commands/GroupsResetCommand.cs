using System.CommandLine;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog groups reset-offsets G --topic T (--to-earliest | --to-latest | --to-offset O)</summary>
internal static class GroupsResetCommand
{
    public static Command Create()
    {
        var group = GroupsCommand.GroupArgument();
        var topic = new Option<string>("--topic") { Description = "Reset every partition of this topic", Required = true };
        var earliest = new Option<bool>("--to-earliest") { Description = "To the log start: the group rereads all that retention kept" };
        var latest = new Option<bool>("--to-latest") { Description = "To the high watermark: the group skips what is there now" };
        var toOffset = new Option<long?>("--to-offset") { Description = "To this offset, on every partition of the topic" };
        var cmd = new Command("reset-offsets",
            "Set a group's committed offsets of a topic; refused while the group has members (stop its consumers first)")
            { group, topic, earliest, latest, toOffset };
        // Checked while parsing, so a wrong combination fails before connecting to any broker.
        cmd.Validators.Add(result =>
        {
            var given = (result.GetValue(earliest) ? 1 : 0) + (result.GetValue(latest) ? 1 : 0) + (result.GetValue(toOffset) is null ? 0 : 1);
            if (given != 1) result.AddError("Give exactly one of --to-earliest, --to-latest and --to-offset");
            else if (result.GetValue(toOffset) < 0) result.AddError($"--to-offset must be 0 or more, got {result.GetValue(toOffset)}");
        });
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var (target, offset) = r.GetValue(earliest) ? (ResetTarget.Earliest, 0L)
                : r.GetValue(latest) ? (ResetTarget.Latest, 0L)
                : (ResetTarget.Offset, r.GetValue(toOffset)!.Value);
            var name = r.GetValue(group)!;
            var offsets = (await client.ResetOffsetsAsync(name, r.GetValue(topic)!, target, offset, ct))
                .OrderBy(o => o.Partition.Topic, StringComparer.Ordinal).ThenBy(o => o.Partition.Partition).ToList();
            if (CommonOptions.Json(r))
            {
                Output.Json(new
                {
                    group = name,
                    offsets = offsets.Select(o => new { topic = o.Partition.Topic, partition = o.Partition.Partition, offset = o.Offset }),
                });
                return 0;
            }
            Output.Table(new[] { "TOPIC", "PARTITION", "NEW-OFFSET" }, offsets.Select(o => (IReadOnlyList<string>)new[]
                { o.Partition.Topic, o.Partition.Partition.ToString(), o.Offset.ToString() }));
            Console.Out.WriteLine($"Reset {offsets.Count} partition(s) of group {name}.");
            return 0;
        }));
        return cmd;
    }
}
