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

    public Task<HeartbeatResult> GroupHeartbeatAsync(ConsumerGroupHeartbeat heartbeat, CancellationToken ct = default) =>
        GroupRequestAsync<HeartbeatResult>(heartbeat, r => r.Error, ct);

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

    private async Task<T> GroupRequestAsync<T>(IGroupMessage request, Func<T, ErrorInfo?> errorOf, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Settings.RequestTimeout;
        while (true)
        {
            var result = await AdminAsync<T>(request, ct);
            if (errorOf(result) is not { } error || !IsCoordinatorMove(error.Code) || DateTime.UtcNow > deadline) return result;
            await Task.Delay(CoordinatorRetryDelay, ct);
        }
    }

    private static bool IsCoordinatorMove(ErrorCode code) =>
        code is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress or ErrorCode.RequestTimedOut;

    private static T Checked<T>(T result, Func<T, ErrorInfo?> errorOf) =>
        errorOf(result) is { } error ? throw new ActorLogException(error) : result;
}
