using Akka.Actor;
using ActorLog.Common;
using ActorLog.Groups;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Client;

/// <summary>
/// Thin calls of the consumer-group protocol, for a consumer built on top. Coordinator moves (NotCoordinator,
/// CoordinatorNotAvailable, CoordinatorLoadInProgress) are retried here until the request timeout. Heartbeat and
/// commit return their result with any other error in it, since a consumer reacts to those (rejoin, drop a
/// partition); the admin calls throw <see cref="ActorLogException"/>.
/// </summary>
public sealed partial class ActorLogClient
{
    private static readonly TimeSpan CoordinatorRetryDelay = TimeSpan.FromMilliseconds(200);
    // Short: an attempt sent while the coordinator's shard still points at a dead broker is lost, and the next one
    // goes out only after this. Answers normally take milliseconds; a repeat is harmless (see GroupRequestAsync).
    private static readonly TimeSpan GroupAttemptTimeout = TimeSpan.FromSeconds(1);

    /// <summary>A consumer in group <paramref name="groupId"/> reading <paramref name="topics"/>; it joins on its first ConsumeAsync.</summary>
    public Consumer.ActorLogConsumer Consumer(string groupId, IReadOnlyList<string> topics, Consumer.ConsumerOptions? options = null) =>
        new(this, groupId, topics, options ?? new Consumer.ConsumerOptions());

    /// <remarks>
    /// A join without a member id gets one here, before the first try (KIP-1082: the member chooses its id). Group
    /// requests are sent again when no answer comes in time; a join sent again under the same id rejoins the same
    /// member, where one without an id would add a second member that holds partitions until its session expires.
    /// </remarks>
    public Task<HeartbeatResult> GroupHeartbeatAsync(ConsumerGroupHeartbeat heartbeat, CancellationToken ct = default)
    {
        if (heartbeat.MemberEpoch == JoinEpoch && heartbeat.MemberId.Length == 0)
            heartbeat = heartbeat with { MemberId = Guid.NewGuid().ToString("N") };
        return GroupRequestAsync<HeartbeatResult>(heartbeat, r => r.Error, ct);
    }

    public Task<OffsetCommitResult> CommitOffsetsAsync(string groupId, string memberId, int memberEpoch,
        IReadOnlyList<PartitionOffset> offsets, CancellationToken ct = default) =>
        GroupRequestAsync<OffsetCommitResult>(new OffsetCommit(groupId, memberId, memberEpoch, offsets), r => r.Error, ct);

    /// <summary>The group's committed offsets (all of them when partitions is null; -1 for a partition never committed).</summary>
    public async Task<IReadOnlyList<PartitionOffset>> FetchOffsetsAsync(string groupId, IReadOnlyList<TopicPartition>? partitions = null,
        CancellationToken ct = default) =>
        Checked(await GroupRequestAsync<OffsetFetchResult>(new OffsetFetch(groupId, partitions), r => r.Error, ct), r => r.Error).Offsets;

    public async Task<IReadOnlyList<GroupListing>> ListGroupsAsync(CancellationToken ct = default) =>
        Checked(await AdminAsync<ListGroupsResult>(ListGroups.Instance, ct), r => r.Error).Groups;

    public async Task<GroupDescription> DescribeGroupAsync(string groupId, CancellationToken ct = default) =>
        Checked(await GroupRequestAsync<GroupDescription>(new DescribeGroup(groupId), r => r.Error, ct), r => r.Error);

    public async Task<IReadOnlyList<PartitionOffset>> ResetOffsetsAsync(string groupId, string topic, ResetTarget to, long offset = 0,
        CancellationToken ct = default) =>
        Checked(await GroupRequestAsync<ResetOffsetsResult>(new ResetOffsets(groupId, topic, to, offset), r => r.Error, ct), r => r.Error).Offsets;

    public async Task DeleteGroupAsync(string groupId, CancellationToken ct = default) =>
        Checked(await GroupRequestAsync<DeleteGroupResult>(new DeleteGroup(groupId), r => r.Error, ct), r => r.Error);

    /// <summary>
    /// A coordinator that moved can swallow a request (a shard region still points at the dead broker until the
    /// shard moves), so each attempt waits only a second before asking again. Every group request is safe to
    /// repeat except a join, whose lost answer leaves a member that simply expires.
    /// </summary>
    private async Task<T> GroupRequestAsync<T>(IGroupMessage request, Func<T, ErrorInfo?> errorOf, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Settings.RequestTimeout;
        var perAttempt = Settings.RequestTimeout < GroupAttemptTimeout ? Settings.RequestTimeout : GroupAttemptTimeout;
        while (true)
        {
            var gateway = await _client.Ask<IActorRef>(new ClientProtocol.GetAnyGateway(), Settings.RequestTimeout, ct);
            try
            {
                var result = await gateway.Ask<T>(request, perAttempt, ct);
                if (errorOf(result) is not { } error || !IsCoordinatorMove(error.Code) || DateTime.UtcNow > deadline) return result;
            }
            catch (AskTimeoutException) when (DateTime.UtcNow < deadline)
            {
                // Maybe the gateway's broker died: have the client check the brokers before the next attempt.
                await RefreshMetadataAsync(ct);
            }
            catch (AskTimeoutException)
            {
                throw new ActorLogException(ErrorCode.RequestTimedOut,
                    $"No answer from the coordinator of group [{request.GroupId}] within {Settings.RequestTimeout.TotalSeconds:0.#} s");
            }
            await Task.Delay(CoordinatorRetryDelay, ct);
        }
    }

    private static bool IsCoordinatorMove(ErrorCode code) =>
        code is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress or ErrorCode.RequestTimedOut;

    private static T Checked<T>(T result, Func<T, ErrorInfo?> errorOf) =>
        errorOf(result) is { } error ? throw new ActorLogException(error) : result;
}
