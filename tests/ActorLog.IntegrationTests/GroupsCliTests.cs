using System.Text.Json;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.IntegrationTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.IntegrationTests;

/// <summary>
/// `actorlog groups` against three broker processes. The test is the group's member itself, with the client's raw
/// group calls, so it joins, commits and leaves exactly when the test says so; at the end a `consume --group`
/// process sees its topic deleted.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class GroupsCliTests(ITestOutputHelper output)
{
    private const string Topic = "payments";
    private const string Group = "billing";
    private const int Partitions = 3;
    // Long enough that the member stays joined across several CLI runs without a background heartbeat.
    private const int SessionTimeoutMs = 60_000;

    [Fact]
    public async Task List_describe_reset_and_delete_a_group_and_refuse_what_is_wrong()
    {
        await using var cluster = new ProcessCluster(3, output);
        await cluster.StartAllAsync();
        var create = await cluster.RunAsync(null, "topics", "create", Topic, "--partitions", $"{Partitions}", "--replication-factor", "3");
        Assert.True(create.ExitCode == 0, create.ToString());
        var produce = await cluster.RunAsync(string.Join("\n", Enumerable.Range(0, 60).Select(i => $"k{i}:v{i}")) + "\n",
            "produce", Topic, "--key-separator", ":", "--output", "json");
        Assert.True(produce.ExitCode == 0, produce.ToString());
        var ends = produce.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("partition").GetInt32())
            .GroupBy(p => p).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(Partitions, ends.Count);

        await using var client = await ActorLogClient.ConnectAsync(cluster.Bootstrap);
        var member = await JoinAsync(client);
        // Committed: partition p at p + 1, so each partition's lag differs.
        var commit = await client.CommitOffsetsAsync(Group, member.MemberId, member.MemberEpoch,
            member.Assignment.Select(tp => new PartitionOffset(tp, tp.Partition + 1, "")).ToArray());
        Assert.True(commit.Error is null && commit.Partitions.All(p => p.Error is null), $"{commit.Error} {string.Join(",", commit.Partitions)}");

        var listed = await cluster.JsonAsync("groups", "list");
        var row = Assert.Single(listed.EnumerateArray(), g => g.GetProperty("group").GetString() == Group);
        Assert.Equal(1, row.GetProperty("members").GetInt32());
        Assert.Equal("Stable", row.GetProperty("state").GetString());

        var described = await cluster.JsonAsync("groups", "describe", Group);
        output.WriteLine($"described: {described}");
        Assert.Equal(Group, described.GetProperty("group").GetString());
        Assert.Equal("Stable", described.GetProperty("state").GetString());
        var m = Assert.Single(described.GetProperty("members").EnumerateArray());
        Assert.Equal(member.MemberId, m.GetProperty("memberId").GetString());
        Assert.Equal(Enumerable.Range(0, Partitions), m.GetProperty("assignment").EnumerateArray().Select(a => a.GetProperty("partition").GetInt32()));
        Assert.All(m.GetProperty("assignment").EnumerateArray(), a => Assert.Equal(Topic, a.GetProperty("topic").GetString()));
        var offsets = described.GetProperty("offsets").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, Partitions), offsets.Select(o => o.GetProperty("partition").GetInt32()));
        foreach (var o in offsets)
        {
            var p = o.GetProperty("partition").GetInt32();
            Assert.Equal(Topic, o.GetProperty("topic").GetString());
            Assert.Equal(p + 1, o.GetProperty("committed").GetInt64());
            Assert.Equal(ends[p], o.GetProperty("logEndOffset").GetInt64());
            Assert.Equal(ends[p] - (p + 1), o.GetProperty("lag").GetInt64());
        }

        var table = await cluster.RunAsync(null, "groups", "describe", Group);
        Assert.True(table.ExitCode == 0 && table.StdOut.Contains(member.MemberId) && table.StdOut.Contains("LAG"), table.ToString());

        var refused = await cluster.RunAsync(null, "groups", "reset-offsets", Group, "--topic", Topic, "--to-earliest");
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("NonEmptyGroup", refused.StdErr);
        var notOne = await cluster.RunAsync(null, "groups", "reset-offsets", Group, "--topic", Topic, "--to-earliest", "--to-offset", "3");
        Assert.True(notOne.ExitCode != 0 && notOne.StdErr.Contains("exactly one"), notOne.ToString());

        var leave = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(Group, member.MemberId, LeaveEpoch, new[] { Topic }, "", 0, null));
        Assert.Null(leave.Error);

        var earliest = await cluster.JsonAsync("groups", "reset-offsets", Group, "--topic", Topic, "--to-earliest");
        Assert.Equal(Enumerable.Repeat(0L, Partitions), NewOffsets(earliest));
        var toOffset = await cluster.JsonAsync("groups", "reset-offsets", Group, "--topic", Topic, "--to-offset", "2");
        Assert.Equal(Enumerable.Repeat(2L, Partitions), NewOffsets(toOffset));
        var afterReset = await cluster.JsonAsync("groups", "describe", Group);
        Assert.Equal("Empty", afterReset.GetProperty("state").GetString());
        Assert.Empty(afterReset.GetProperty("members").EnumerateArray());
        Assert.All(afterReset.GetProperty("offsets").EnumerateArray(), o =>
        {
            Assert.Equal(2, o.GetProperty("committed").GetInt64());
            Assert.Equal(ends[o.GetProperty("partition").GetInt32()] - 2, o.GetProperty("lag").GetInt64());
        });

        var delete = await cluster.RunAsync(null, "groups", "delete", Group);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.DoesNotContain((await cluster.JsonAsync("groups", "list")).EnumerateArray(), g => g.GetProperty("group").GetString() == Group);
        var unknown = await cluster.RunAsync(null, "groups", "describe", Group);
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains($"[{Group}]", unknown.StdErr);
        Assert.Contains("GroupIdNotFound", unknown.StdErr);
        var empty = await cluster.RunAsync(null, "groups", "describe", "");
        Assert.True(empty.ExitCode == 1, empty.ToString());
        Assert.Contains("InvalidGroupId", empty.StdErr);

        // A group consumer whose topic is deleted under it stops with an error naming the topic.
        using var reader = CliProcess.Start("reader", "--bootstrap", cluster.Bootstrap, "consume", Topic, "--group", "readers", "--from-beginning");
        await Eventually.Async(() => { Assert.Equal(60, reader.Lines.Count); return Task.CompletedTask; }, TimeSpan.FromSeconds(60));
        var deleted = await cluster.RunAsync(null, "topics", "delete", Topic);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Equal(1, await reader.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"Topic '{Topic}' does not exist (deleted?)", reader.StdErr);
        Assert.Contains("[readers]", reader.StdErr);
    }

    /// <summary>
    /// Joins, then heartbeats owning what it was given until it owns every partition: the coordinator may not see
    /// the new topic at once, and a join first hands out partitions that the next heartbeats confirm.
    /// </summary>
    private async Task<HeartbeatResult> JoinAsync(ActorLogClient client)
    {
        var result = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(Group, "", JoinEpoch, new[] { Topic }, "", SessionTimeoutMs, null));
        for (var round = 0; ; round++)
        {
            Assert.True(result.Error is null, $"heartbeat: {result.Error}");
            output.WriteLine($"round {round}: {result.MemberId}@{result.MemberEpoch} owns [{string.Join(",", result.Assignment)}]");
            var previous = result;
            result = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(Group, result.MemberId, result.MemberEpoch, new[] { Topic }, "",
                SessionTimeoutMs, result.Assignment));
            if (result.Error is null && result.Assignment.Count == Partitions && result.MemberEpoch == previous.MemberEpoch) return result;
            Assert.True(round < 100, "the member was never given every partition");
            await Task.Delay(200);
        }
    }

    private static IEnumerable<long> NewOffsets(JsonElement reset) =>
        reset.GetProperty("offsets").EnumerateArray().OrderBy(o => o.GetProperty("partition").GetInt32()).Select(o => o.GetProperty("offset").GetInt64());
}
