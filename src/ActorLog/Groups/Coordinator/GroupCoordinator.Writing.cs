using Akka.Actor;
using Akka.Event;
using ActorLog.Common;
using ActorLog.Groups.Offsets;
using ActorLog.Log;
using ActorLog.Partition;

namespace ActorLog.Groups.Coordinator;

/// <summary>Appending records to the group's offsets partition, acks=all, through this broker's replica.</summary>
public sealed partial class GroupCoordinator
{
    private sealed record Written(ErrorInfo? Error);

    private sealed record PendingWrite(IReadOnlyList<OffsetsRecord> Records, Action<ErrorInfo?> Then);

    private PendingWrite? _write;

    /// <summary>
    /// Appends records; <paramref name="then"/> runs (in the actor) once every in-sync replica has them, or with
    /// the error. The records are applied to the loaded offsets only once acknowledged.
    /// </summary>
    private void Write(IReadOnlyList<OffsetsRecord> records, Action<ErrorInfo?> then)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var batch = new RecordBatch(0, -1, -1, -1, records.Select(r => OffsetsRecordCodec.Encode(r, now)).ToArray());
        var timeout = _settings.CommitTimeout;
        _replicaManager.Ask<PartitionProtocol.ProduceResult>(
                new PartitionProtocol.Produce(_offsetsPartition, -1, (int)timeout.TotalMilliseconds, batch), timeout + TimeSpan.FromSeconds(1))
            .PipeTo(Self,
                success: r => new Written(r.Error is null ? null : AsGroupError(r.Error)),
                failure: _ => new Written(new ErrorInfo(ErrorCode.RequestTimedOut, $"Group [{_groupId}]: {_offsetsPartition} did not acknowledge in time")));
        _write = new PendingWrite(records, then);
        Become(Writing);
    }

    private void Writing()
    {
        Receive<Written>(w =>
        {
            var (records, then) = _write!;
            _write = null;
            if (w.Error is null) foreach (var r in records) _offsets.Apply(r);
            else _log.Warning("{0}: writing {1} record(s) failed: {2}", Owner, records.Count, w.Error);
            then(w.Error);
        });
        ReceiveMetadata();
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>The replica's errors as a group client should read them: a lost leadership means "find the new coordinator".</summary>
    private ErrorInfo AsGroupError(ErrorInfo error) => error.Code == ErrorCode.NotLeaderOrFollower
        ? new ErrorInfo(ErrorCode.NotCoordinator, $"Group [{_groupId}]: {error.Message}")
        : error;
}
