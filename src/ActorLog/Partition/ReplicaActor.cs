using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using ActorLog.Broker;
using ActorLog.Common;
using ActorLog.Configuration;
using ActorLog.Log;
using ActorLog.Metadata;

namespace ActorLog.Partition;

/// <summary>
/// This broker's replica of one partition: the only writer of the partition's journal on this broker.
/// It is a follower or the leader as the controller's assignment says, switching by leader epoch, so the
/// replica a follower has been keeping becomes the leader without copying data (and one persistence id
/// never has two writers). Behaviours: Recovering (Akka.Persistence) → AwaitingRole → Leader | Follower.
/// </summary>
public sealed partial class ReplicaActor : ReceivePersistentActor, IWithTimers
{
    private readonly TopicPartition _tp;
    private readonly ActorLogSettings _settings;
    private readonly IActorRef _controller;
    private readonly Cluster _cluster;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly PartitionLog _partitionLog;
    private readonly ProducerStateTable _producers = new();

    private PartitionMetadata? _assignment;
    private TopicConfig? _config;
    private int _leaderEpoch = -1;

    /// <summary>The offset after the last batch handed to the journal (ahead of the log while writes are in flight).</summary>
    private long _writeEnd;
    private int _writesInFlight;

    /// <summary>Best known high watermark; a follower keeps the leader's so it can lead from there.</summary>
    private long _highWatermark;

    public ReplicaActor(TopicPartition tp, ActorLogSettings settings, IActorRef controller)
    {
        _tp = tp;
        _settings = settings;
        _controller = controller;
        _cluster = Cluster.Get(Context.System);
        _partitionLog = new PartitionLog(settings.LogCacheMaxBytes);

        Recover<RecordBatch>(RecoverBatch);
        Recover<LogTruncated>(t => Truncate(t.Offset));
        Recover<RecoveryCompleted>(_ =>
        {
            _writeEnd = _partitionLog.LogEndOffset;
            _log.Info("{0}: recovered {1} batches, log-end offset {2}, {3} batches ({4} bytes) cached", _tp, _partitionLog.BatchCount,
                _partitionLog.LogEndOffset, _partitionLog.CachedBatchCount, _partitionLog.CachedBytes);
            Become(AwaitingRole);
        });
    }

    public static Props Props(TopicPartition tp, ActorLogSettings settings, IActorRef controller) =>
        Akka.Actor.Props.Create(() => new ReplicaActor(tp, settings, controller));

    public static string PersistenceIdFor(TopicPartition tp) => $"partition-{tp.Topic}-{tp.Partition}";

    public override string PersistenceId => PersistenceIdFor(_tp);

    public ITimerScheduler Timers { get; set; } = null!;

    private int BrokerId => _settings.BrokerId;

    private static long NowMs => Environment.TickCount64;

    private void RecoverBatch(RecordBatch batch)
    {
        if (batch.BaseOffset < _partitionLog.LogEndOffset)
        {
            // Only possible if a truncation marker was lost; the later write is the truth.
            _log.Warning("{0}: journal batch at {1} overlaps log end {2}; truncating", _tp, batch.BaseOffset, _partitionLog.LogEndOffset);
            _partitionLog.TruncateTo(batch.BaseOffset);
        }
        // During replay LastSequenceNr is the replayed event's. Only the tail within the cache budget stays in memory.
        _partitionLog.Append(batch, LastSequenceNr);
        _producers.Record(batch);
    }

    private void Truncate(long offset)
    {
        _partitionLog.TruncateTo(offset);
        _producers.Rebuild(_partitionLog);
    }

    private void AwaitingRole()
    {
        Command<ReplicaManagerProtocol.AssignmentChanged>(OnAssignment);
        CommandAny(msg => RejectNotReady(msg));
    }

    /// <summary>Decides the role from an assignment; stale epochs are dropped loudly, an equal epoch keeps the role.</summary>
    private void OnAssignment(ReplicaManagerProtocol.AssignmentChanged changed)
    {
        var p = changed.Partition;
        _config = changed.Config;
        if (p.LeaderEpoch < _leaderEpoch)
        {
            _log.Warning("{0}: stale leader epoch [{1}] < [{2}], assignment ignored", _tp, p.LeaderEpoch, _leaderEpoch);
            return;
        }
        var sameEpoch = p.LeaderEpoch == _leaderEpoch;
        _assignment = p;
        if (sameEpoch) return;
        StepDownIfLeader($"leader epoch {p.LeaderEpoch} started");
        _leaderEpoch = p.LeaderEpoch;
        if (p.Leader == BrokerId) BecomeLeader(p);
        else if (p.Leader >= 0) BecomeFollower(p);
        else
        {
            _log.Warning("{0}: partition is offline (no leader) at epoch {1}", _tp, p.LeaderEpoch);
            Become(AwaitingRole);
        }
    }

    private void RejectNotReady(object msg)
    {
        var error = new ErrorInfo(ErrorCode.NotLeaderOrFollower,
            $"Broker {BrokerId} holds a replica of {_tp} but is not its leader (leader {_assignment?.Leader ?? -1}, epoch {_leaderEpoch})");
        ReplyError(msg, error);
    }

    private void ReplyError(object msg, ErrorInfo error)
    {
        if (PartitionErrors.TryReply(msg, Sender, error, _assignment?.Leader ?? -1, _leaderEpoch)) return;
        switch (msg)
        {
            case ReplicaManagerProtocol.DeletePartition:
                DeleteAndStop();
                break;
            case FetchRead read:
                PartitionErrors.TryReply(read.Request, read.ReplyTo, error, _assignment?.Leader ?? -1, _leaderEpoch);
                break;
            case ReplicaManagerProtocol.BrokerDown:
            case ReplicationProtocol.ReplicateBatch:
            case ReplicationProtocol.FollowerFetchResult:
            case FollowerRead:
                break;
            default:
                Unhandled(msg);
                break;
        }
    }

    private PartitionProtocol.PartitionState StateReply(string role, ErrorInfo? error) =>
        new(_tp, role, _leaderEpoch, _partitionLog.LogEndOffset, _highWatermark,
            _leader?.InSyncReplicas.ToArray() ?? _assignment?.Isr ?? Array.Empty<int>(), error);

    private void DeleteAndStop()
    {
        _log.Info("{0}: topic deleted; deleting this replica's journal", _tp);
        DeleteMessages(long.MaxValue);
        Become(() =>
        {
            Command<DeleteMessagesSuccess>(_ => Context.Stop(Self));
            Command<DeleteMessagesFailure>(f =>
            {
                _log.Error(f.Cause, "{0}: could not delete the journal of a deleted topic", _tp);
                Context.Stop(Self);
            });
            CommandAny(msg => ReplyError(msg, new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Topic {_tp.Topic} is being deleted")));
        });
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "{0}: journal write failed at sequence {1}; the replica stops and recovers from its journal", _tp, sequenceNr);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }
}
