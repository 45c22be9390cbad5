using System.CommandLine;
using ActorLog.Client;
using ActorLog.Common;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog groups list|describe|delete (reset-offsets: GroupsResetCommand.cs)</summary>
internal static class GroupsCommand
{
    public static Command Create()
    {
        var groups = new Command("groups", "List, describe, reset the offsets of and delete consumer groups");
        groups.Subcommands.Add(ListCommand());
        groups.Subcommands.Add(DescribeCommand());
        groups.Subcommands.Add(GroupsResetCommand.Create());
        groups.Subcommands.Add(DeleteCommand());
        return groups;
    }

    public static Argument<string> GroupArgument() => new("group") { Description = "The consumer group's id" };

    private static Command ListCommand()
    {
        var cmd = new Command("list", "List consumer groups (with members or committed offsets): state and member count");
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var listed = await client.ListGroupsAsync(ct);
            // The listing has no member counts: ask each group's coordinator, all at once.
            var described = await Task.WhenAll(listed.Select(g => DescribeOrNull(client, g.GroupId, ct)));
            var rows = described.OfType<GroupDescription>() // a null: deleted between the listing and its description
                .OrderBy(d => d.GroupId, StringComparer.Ordinal)
                .Select(d => (d.GroupId, d.State, Members: d.Members.Count)).ToList();
            if (CommonOptions.Json(r)) Output.Json(rows.Select(g => new { group = g.GroupId, state = g.State, members = g.Members }));
            else Output.Table(new[] { "GROUP", "STATE", "MEMBERS" },
                rows.Select(g => (IReadOnlyList<string>)new[] { g.GroupId, g.State, g.Members.ToString() }));
            return 0;
        }));
        return cmd;
    }

    private static async Task<GroupDescription?> DescribeOrNull(ActorLogClient client, string group, CancellationToken ct)
    {
        try
        {
            return await client.DescribeGroupAsync(group, ct);
        }
        catch (ActorLogException e) when (e.Code == ErrorCode.GroupIdNotFound)
        {
            return null;
        }
    }

    private static Command DescribeCommand()
    {
        var group = GroupArgument();
        var cmd = new Command("describe",
            "State, members (epoch, assigned partitions) and, per partition with a committed offset: the committed offset, " +
            "the log-end offset and the lag (log-end offset - committed). The log-end offset shown is the partition's high " +
            "watermark: the end a consumer can read up to, not the leader's last written offset") { group };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var d = await client.DescribeGroupAsync(r.GetValue(group)!, ct);
            var ends = await HighWatermarksAsync(client, d.Offsets.Select(o => o.Partition.Topic).Distinct(), ct);
            var offsets = d.Offsets.OrderBy(o => o.Partition.Topic, StringComparer.Ordinal).ThenBy(o => o.Partition.Partition).Select(o =>
            {
                long? end = ends.TryGetValue(o.Partition, out var hw) ? hw : null;
                return new { topic = o.Partition.Topic, partition = o.Partition.Partition, committed = o.Offset, logEndOffset = end, lag = end - o.Offset };
            }).ToList();
            var members = d.Members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();
            if (CommonOptions.Json(r))
            {
                Output.Json(new
                {
                    group = d.GroupId, state = d.State, groupEpoch = d.GroupEpoch, assignor = d.Assignor,
                    members = members.Select(m => new
                    {
                        memberId = m.MemberId, memberEpoch = m.MemberEpoch, subscribedTopics = m.SubscribedTopics,
                        assignment = Partitions(m.Assigned), targetAssignment = Partitions(m.Target),
                    }),
                    offsets,
                });
                return 0;
            }
            Console.Out.WriteLine($"Group: {d.GroupId}  State: {d.State}  Epoch: {d.GroupEpoch}  Assignor: {d.Assignor}  Members: {d.Members.Count}");
            if (members.Count > 0)
                Output.Table(new[] { "MEMBER", "EPOCH", "ASSIGNMENT" }, members.Select(m => (IReadOnlyList<string>)new[]
                    { m.MemberId, m.MemberEpoch.ToString(), string.Join(",", m.Assigned.Select(tp => $"{tp.Topic}-{tp.Partition}")) }));
            Output.Table(new[] { "TOPIC", "PARTITION", "COMMITTED", "LOG-END-OFFSET", "LAG" }, offsets.Select(o => (IReadOnlyList<string>)new[]
                { o.topic, o.partition.ToString(), o.committed.ToString(), o.logEndOffset?.ToString() ?? "-", o.lag?.ToString() ?? "-" }));
            return 0;
        }));
        return cmd;
    }

    private static IEnumerable<object> Partitions(IEnumerable<TopicPartition> partitions) =>
        partitions.OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).Select(tp => new { topic = tp.Topic, partition = tp.Partition });

    /// <summary>High watermark per partition; a topic deleted since the group committed has none (its offsets still show, lag unknown).</summary>
    private static async Task<Dictionary<TopicPartition, long>> HighWatermarksAsync(ActorLogClient client, IEnumerable<string> topics,
        CancellationToken ct)
    {
        var ends = new Dictionary<TopicPartition, long>();
        foreach (var topic in topics)
        {
            try
            {
                var d = await client.DescribeTopicAsync(topic, ct);
                // An offline partition has no high watermark to report (-1): shown as unknown rather than as a lag.
                foreach (var p in d.Partitions.Where(p => p.HighWatermark >= 0)) ends[new TopicPartition(topic, p.Partition)] = p.HighWatermark;
            }
            catch (ActorLogException e) when (e.Code == ErrorCode.UnknownTopicOrPartition)
            {
            }
        }
        return ends;
    }

    private static Command DeleteCommand()
    {
        var group = GroupArgument();
        var cmd = new Command("delete", "Delete a group's committed offsets and record; refused while it has members") { group };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            await client.DeleteGroupAsync(r.GetValue(group)!, ct);
            if (CommonOptions.Json(r)) Output.Json(new { group = r.GetValue(group), deleted = true });
            else Console.Out.WriteLine($"Deleted group {r.GetValue(group)}.");
            return 0;
        }));
        return cmd;
    }
}
