using System.Diagnostics;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Groups;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// The group coordinator on three brokers, driven through the gateways with the raw group protocol: members join
/// and reconcile to one owner per partition, a silent member's partitions move to the others, stale epochs and
/// unowned partitions are refused, and committed offsets survive the crash of the coordinator's broker.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class GroupCoordinatorSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private const string Topic = "orders";
    private const int SessionTimeoutMs = 3_000;

    private sealed class Member(string name)
    {
        public string Name { get; } = name;
        public string Id { get; set; } = "";
        public int Epoch { get; set; }
        public int JoinEpoch { get; set; }
        public IReadOnlyList<TopicPartition> Assigned { get; set; } = Array.Empty<TopicPartition>();
        public override string ToString() => $"{Name}({Id[..Math.Min(6, Id.Length)]}@{Epoch}: [{string.Join(",", Assigned)}])";
    }

    [Fact(Timeout = 240_000)]
    public async Task Members_share_partitions_a_silent_one_is_replaced_fenced_commits_are_refused_and_offsets_survive_a_coordinator_crash()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var client = await cluster.ConnectAsync();
        await client.CreateTopicAsync(Topic, partitions: 6, replicationFactor: 3, minInsyncReplicas: 2);
        const string group = "billing";

        var members = new[] { new Member("a"), new Member("b"), new Member("c") };
        foreach (var m in members)
        {
            await Beat(client, group, m);
            m.JoinEpoch = m.Epoch;
            Log($"joined {m}");
        }
        await SettleAsync(client, group, members);
        AssertOneOwnerPerPartition(members);
        Assert.Equal("Stable", (await client.DescribeGroupAsync(group)).State);

        // Commits: each member its own partitions; a partition of another member and a stale epoch are refused.
        var (a, b, c) = (members[0], members[1], members[2]);
        var expected = new Dictionary<TopicPartition, long>();
        foreach (var m in members) await CommitOwnAsync(client, group, m, 100, expected);
        var notOwned = await client.CommitOffsetsAsync(group, a.Id, a.Epoch, new[] { new PartitionOffset(b.Assigned[0], 5, "") });
        Assert.Equal(ErrorCode.PartitionNotOwned, Assert.Single(notOwned.Partitions).Error!.Code);
        Assert.NotEqual(a.JoinEpoch, a.Epoch); // a was given all six at join, then told to give some away
        var stale = await client.CommitOffsetsAsync(group, a.Id, a.JoinEpoch, new[] { new PartitionOffset(a.Assigned[0], 5, "") });
        Assert.Equal(ErrorCode.StaleMemberEpoch, stale.Error!.Code);
        var unknown = await client.CommitOffsetsAsync(group, "nobody", 1, new[] { new PartitionOffset(a.Assigned[0], 5, "") });
        Assert.Equal(ErrorCode.UnknownMemberId, unknown.Error!.Code);
        Assert.Equal(expected, await FetchAsync(client, group));

        // c stops heartbeating: within its session timeout its partitions belong to a and b.
        var stopped = Stopwatch.StartNew();
        var survivors = new[] { a, b };
        while (survivors.Sum(m => m.Assigned.Count) < 6)
        {
            Assert.True(stopped.ElapsedMilliseconds < SessionTimeoutMs + 5_000, $"c's partitions did not move: {string.Join(" ", survivors.AsEnumerable())}");
            await Task.Delay(300);
            foreach (var m in survivors) await Beat(client, group, m);
        }
        Log($"c's partitions moved after {stopped.ElapsedMilliseconds} ms: {a} {b}");
        AssertOneOwnerPerPartition(survivors);
        var gone = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(group, c.Id, c.Epoch, new[] { Topic }, "", 0, c.Assigned));
        Assert.Equal(ErrorCode.UnknownMemberId, gone.Error!.Code);
        foreach (var m in survivors) await CommitOwnAsync(client, group, m, 200, expected);
        Assert.Equal(expected, await FetchAsync(client, group));

        // Crash the coordinator's broker: the new leader of the group's offsets partition answers with the same offsets.
        var offsetsTp = OffsetsTopic.TopicPartitionFor(group, GroupSettings.Default.OffsetsTopicPartitions);
        var metadata = await client.RefreshMetadataAsync();
        var coordinatorBroker = metadata.Topics.Single(t => t.Name == OffsetsTopic.Name).Partitions[offsetsTp.Partition].Leader;
        Log($"coordinator of {group} is broker {coordinatorBroker} ({offsetsTp}); crashing it");
        await cluster.CrashBrokerAsync(coordinatorBroker - 1);
        var crashed = Stopwatch.StartNew();
        await using var survivorClient = await ActorLogClient.ConnectAsync(string.Join(",",
            cluster.Bootstrap.Split(',').Where((_, i) => i != coordinatorBroker - 1)));
        Dictionary<TopicPartition, long>? after = null;
        await Eventually.Async(async () => after = await FetchAsync(survivorClient, group), TimeSpan.FromSeconds(90), PollInterval);
        Log($"offsets fetched from the new coordinator {crashed.ElapsedMilliseconds} ms after the crash");
        Assert.Equal(expected, after);
        var moved = (await survivorClient.RefreshMetadataAsync()).Topics.Single(t => t.Name == OffsetsTopic.Name).Partitions[offsetsTp.Partition];
        Assert.NotEqual(coordinatorBroker, moved.Leader);

        // Membership was in memory: the old members are unknown to the new coordinator and rejoin with epoch 0.
        var lost = await survivorClient.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(group, a.Id, a.Epoch, new[] { Topic }, "", SessionTimeoutMs, a.Assigned));
        Assert.Equal(ErrorCode.UnknownMemberId, lost.Error!.Code);
        var rejoined = new Member("a2");
        await Beat(survivorClient, group, rejoined);
        await SettleAsync(survivorClient, group, new[] { rejoined });
        Assert.Equal(6, rejoined.Assigned.Count);
    }

    [Fact(Timeout = 180_000)]
    public async Task Admin_lists_describes_resets_and_deletes_groups_and_bad_input_gets_typed_errors()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var client = await cluster.ConnectAsync();
        await client.CreateTopicAsync(Topic, partitions: 3, replicationFactor: 3, minInsyncReplicas: 2);
        for (var i = 0; i < 5; i++) await client.ProduceAsync(Topic, null, $"r{i}", Acks.All, partition: 1);

        var empty = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat("", "", 0, new[] { Topic }, "", 0, null));
        Assert.Equal(ErrorCode.InvalidGroupId, empty.Error!.Code);
        Assert.Equal(ErrorCode.GroupIdNotFound, (await Assert.ThrowsAsync<ActorLogException>(() => client.FetchOffsetsAsync("no-such-group"))).Code);
        Assert.Equal(ErrorCode.GroupIdNotFound, (await Assert.ThrowsAsync<ActorLogException>(() => client.DescribeGroupAsync("no-such-group"))).Code);
        var badAssignor = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat("g1", "", 0, new[] { Topic }, "fastest", 0, null));
        Assert.Equal(ErrorCode.UnsupportedAssignor, badAssignor.Error!.Code);
        var badTimeout = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat("g1", "", 0, new[] { Topic }, "range", 10, null));
        Assert.Equal(ErrorCode.InvalidSessionTimeout, badTimeout.Error!.Code);

        var member = new Member("m");
        await Beat(client, "g1", member, "range");
        await SettleAsync(client, "g1", new[] { member }, "range", partitions: 3);
        var description = await client.DescribeGroupAsync("g1");
        Assert.Equal(("Stable", "range"), (description.State, description.Assignor));
        Assert.Equal(member.Id, Assert.Single(description.Members).MemberId);
        Assert.Equal(3, description.Members[0].Assigned.Count);

        var listed = await client.ListGroupsAsync();
        Assert.Contains(new GroupListing("g1", "Stable"), listed);
        Assert.Equal(ErrorCode.NonEmptyGroup,
            (await Assert.ThrowsAsync<ActorLogException>(() => client.ResetOffsetsAsync("g1", Topic, ResetTarget.Earliest))).Code);
        Assert.Equal(ErrorCode.NonEmptyGroup, (await Assert.ThrowsAsync<ActorLogException>(() => client.DeleteGroupAsync("g1"))).Code);

        var leave = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat("g1", member.Id, LeaveEpoch, new[] { Topic }, "", 0, null));
        Assert.Null(leave.Error);
        var latest = await client.ResetOffsetsAsync("g1", Topic, ResetTarget.Latest);
        Assert.Equal(new long[] { 0, 5, 0 }, latest.OrderBy(o => o.Partition.Partition).Select(o => o.Offset));
        await client.ResetOffsetsAsync("g1", Topic, ResetTarget.Offset, 2);
        Assert.All(await client.FetchOffsetsAsync("g1"), o => Assert.Equal(2, o.Offset));
        Assert.Equal("Empty", (await client.DescribeGroupAsync("g1")).State);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition,
            (await Assert.ThrowsAsync<ActorLogException>(() => client.ResetOffsetsAsync("g1", "nope", ResetTarget.Earliest))).Code);

        await client.DeleteGroupAsync("g1");
        Assert.Equal(ErrorCode.GroupIdNotFound, (await Assert.ThrowsAsync<ActorLogException>(() => client.FetchOffsetsAsync("g1"))).Code);
        Assert.DoesNotContain(await client.ListGroupsAsync(), g => g.GroupId == "g1");
    }

    [Fact(Timeout = 240_000)]
    public async Task Committed_offsets_survive_a_full_cluster_restart()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        var expected = new Dictionary<TopicPartition, long>();
        await using (var client = await cluster.ConnectAsync())
        {
            await client.CreateTopicAsync(Topic, partitions: 6, replicationFactor: 3, minInsyncReplicas: 2);
            var m = new Member("m");
            await Beat(client, "restarted", m);
            await SettleAsync(client, "restarted", new[] { m });
            await CommitOwnAsync(client, "restarted", m, 1_000, expected);
            await CommitOwnAsync(client, "restarted", m, 2_000, expected); // the later commit wins
            Assert.Equal(6, expected.Count);
        }
        for (var i = cluster.Count - 1; i >= 0; i--) await cluster.CrashBrokerAsync(i);
        Log("every broker killed");
        await Task.WhenAll(Enumerable.Range(0, cluster.Count).Select(cluster.StartBrokerAsync));
        await cluster.WaitForMembersAsync(3, TimeSpan.FromSeconds(60));
        Log("cluster up again");

        await using var after = await cluster.ConnectAsync();
        Dictionary<TopicPartition, long>? fetched = null;
        await Eventually.Async(async () => fetched = await FetchAsync(after, "restarted"), TimeSpan.FromSeconds(90), PollInterval);
        Log("offsets fetched after the restart");
        Assert.Equal(expected, fetched);
        Assert.Contains(await after.ListGroupsAsync(), g => g.GroupId == "restarted" && g.State == "Empty");
    }

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    private static async Task Beat(ActorLogClient client, string group, Member m, string assignor = "sticky")
    {
        var result = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(group, m.Id, m.Epoch, new[] { Topic }, assignor, SessionTimeoutMs,
            m.Epoch == 0 ? null : m.Assigned));
        Assert.True(result.Error is null, $"{m}: {result.Error}");
        (m.Id, m.Epoch, m.Assigned) = (result.MemberId, result.MemberEpoch, result.Assignment);
    }

    /// <summary>Heartbeats every member (owning what it was last given) until nothing changes for a whole round.</summary>
    private async Task SettleAsync(ActorLogClient client, string group, IReadOnlyList<Member> members, string assignor = "sticky", int partitions = 6)
    {
        for (var round = 0; round < 60; round++)
        {
            var before = string.Join(" ", members.AsEnumerable());
            foreach (var m in members)
            {
                await Beat(client, group, m, assignor);
                // Revoke before assign: what members are told to consume never overlaps, at any step.
                var told = members.SelectMany(x => x.Assigned).ToList();
                Assert.True(told.Count == told.Distinct().Count(), $"a partition given twice: {string.Join(" ", members.AsEnumerable())}");
            }
            var after = string.Join(" ", members.AsEnumerable());
            Log($"round {round}: {after}");
            // Settled: a round changed nothing and every partition has an owner. (A coordinator whose broker has
            // not seen the topic yet assigns nothing until its metadata shows it, then rebalances.)
            if (before == after && members.Sum(m => m.Assigned.Count) == partitions) return;
            if (before == after) await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException("the group did not settle in 60 rounds");
    }

    private static void AssertOneOwnerPerPartition(IReadOnlyList<Member> members)
    {
        var owned = members.SelectMany(m => m.Assigned).ToList();
        Assert.Equal(6, owned.Count);
        Assert.Equal(Enumerable.Range(0, 6), owned.Select(tp => tp.Partition).Order());
    }

    private static async Task CommitOwnAsync(ActorLogClient client, string group, Member m, long @base, Dictionary<TopicPartition, long> expected)
    {
        var offsets = m.Assigned.Select(tp => new PartitionOffset(tp, @base + tp.Partition, $"by {m.Name}")).ToArray();
        var result = await client.CommitOffsetsAsync(group, m.Id, m.Epoch, offsets);
        Assert.True(result.Error is null, $"{m}: {result.Error}");
        Assert.All(result.Partitions, p => Assert.Null(p.Error));
        foreach (var o in offsets) expected[o.Partition] = o.Offset;
    }

    private static async Task<Dictionary<TopicPartition, long>> FetchAsync(ActorLogClient client, string group) =>
        (await client.FetchOffsetsAsync(group)).ToDictionary(o => o.Partition, o => o.Offset);
}
