using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using ActorLog.Broker;
using ActorLog.Common;
using ActorLog.Configuration;
using ActorLog.Controller;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Replication;

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

    /// <summary>An earlier instance of this replica ran in this broker process (it stopped after a journal failure).</summary>
    private readonly bool _restarted;

    /// <summary>When this instance started: its recovery's duration is logged.</summary>
    private readonly long _startedAt = Stopwatch.GetTimestamp();

    /// <summary>The lowest epoch this instance may lead at; none until the controller answered its claim (LeaderEpochClaims).</summary>
    private int _leadableFrom = int.MaxValue;

    private sealed record ClaimTick
    {
        public static readonly ClaimTick Instance = new();
    }

    public ReplicaActor(TopicPartition tp, ActorLogSettings settings, IActorRef controller, bool restarted = false)
    {
        _tp = tp;
        _settings = settings;
        _controller = controller;
        _restarted = restarted;
        _cluster = Cluster.Get(Context.System);
        _partitionLog = new PartitionLog(settings.LogCacheMaxBytes);

        Recover<SnapshotOffer>(RecoverSnapshot);
        Recover<RecordBatch>(RecoverBatch);
        Recover<LogTruncated>(t => Truncate(t.Offset));
        Recover<LogStartAdvanced>(moved => MoveLogStart(moved, "recovery"));
        Recover<RecoveryCompleted>(_ =>
        {
            _writeEnd = _partitionLog.LogEndOffset;
            DeleteDroppedAfterRecovery();
            StartRetentionChecks();
            // Once per start, so the message is composed here rather than through the adapter's few-argument overloads.
            // Every batch replayed counted towards the next snapshot, and none was taken during recovery.
            _log.Info($"{_tp}: recovered {_partitionLog.BatchCount} batches in {(long)Stopwatch.GetElapsedTime(_startedAt).TotalMilliseconds} ms " +
                      $"({_batchesSinceSnapshot} replayed from the journal), log-end offset {_partitionLog.LogEndOffset}, " +
                      $"{_partitionLog.CachedBatchCount} batches ({_partitionLog.CachedBytes} bytes) cached");
            Become(AwaitingRole);
            ClaimLeaderEpoch();
            // A long replay (a log written before snapshots, or with them off) is not repeated at the next start.
            SnapshotIfDue();
        });
    }

    public static Props Props(TopicPartition tp, ActorLogSettings settings, IActorRef controller, bool restarted = false) =>
        Akka.Actor.Props.Create(() => new ReplicaActor(tp, settings, controller, restarted));

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
        else if (batch.BaseOffset > _partitionLog.LogEndOffset)
        {
            // Retention deleted the events before it: it starts the log. After other batches this happens when the
            // snapshot recovery began from is older than retention's deletion (the start marker replayed next says
            // the same), and again the later write is the truth.
            if (_partitionLog.BatchCount > 0)
                _log.Info("{0}: journal batch at {1} follows log end {2}: the events between were deleted by retention; the log starts there",
                    _tp, batch.BaseOffset, _partitionLog.LogEndOffset);
            _partitionLog.AdvanceStart(batch.BaseOffset);
        }
        // During replay LastSequenceNr is the replayed event's. Only the tail within the cache budget stays in memory.
        _partitionLog.Append(batch, LastSequenceNr);
        _producers.Record(batch);
        OnAppended(batch);
    }

    private void Truncate(long offset)
    {
        _partitionLog.TruncateTo(offset);
        _producers.Rebuild(_partitionLog);
    }

    private void AwaitingRole()
    {
        Command<ReplicaManagerProtocol.AssignmentChanged>(OnAssignment);
        CommandClaims();
        CommandSnapshots();
        CommandRetention();
        CommandAny(msg => RejectNotReady(msg));
    }

    /// <summary>Asks the controller for an epoch this instance may lead at; asked again until answered.</summary>
    private void ClaimLeaderEpoch()
    {
        _controller.Tell(new ControllerProtocol.ClaimLeaderEpoch(_tp, BrokerId, _cluster.SelfUniqueAddress.Uid, _restarted));
        Timers.StartPeriodicTimer(nameof(ClaimTick), ClaimTick.Instance, _settings.MetadataWriteTimeout + TimeSpan.FromSeconds(1));
    }

    /// <summary>Every behaviour handles the claim's answer (it may come in any role).</summary>
    private void CommandClaims()
    {
        Command<ControllerProtocol.LeaderEpochClaimed>(OnClaimAnswered);
        Command<ClaimTick>(_ => _controller.Tell(new ControllerProtocol.ClaimLeaderEpoch(_tp, BrokerId, _cluster.SelfUniqueAddress.Uid, _restarted)));
    }

    private void OnClaimAnswered(ControllerProtocol.LeaderEpochClaimed claimed)
    {
        if (_leadableFrom != int.MaxValue) return; // a repeated claim's answer
        if (claimed.Metadata is not { } m)
        {
            _log.Warning("{0}: leader epoch claim failed: {1}; asking again", _tp, claimed.Error);
            return;
        }
        Timers.Cancel(nameof(ClaimTick));
        _leadableFrom = LeaderEpochClaims.LeadableFrom(m, BrokerId);
        _log.Info("{0}: may lead from epoch {1} (controller: leader {2}, epoch {3})", _tp, _leadableFrom, m.Leader, m.LeaderEpoch);
        if (m.LeaderEpoch < _leaderEpoch || _config is null) return; // the replica manager brings the newer state
        if (m.LeaderEpoch == _leaderEpoch)
        {
            // The assignment arrived first and we held back: lead now that the epoch is ours.
            if (m.Leader == BrokerId && _leader is null) Lead(_assignment = m);
            return;
        }
        OnAssignment(new ReplicaManagerProtocol.AssignmentChanged(m, _config));
    }

    /// <summary>Decides the role from an assignment; stale epochs are dropped loudly, an equal epoch keeps the role.</summary>
    private void OnAssignment(ReplicaManagerProtocol.AssignmentChanged changed)
    {
        var p = changed.Partition;
        var retentionChanged = _config is { } old && (old.RetentionMs != changed.Config.RetentionMs || old.RetentionBytes != changed.Config.RetentionBytes);
        _config = changed.Config;
        // An altered retention applies now rather than at the next check.
        if (retentionChanged) ApplyRetention();
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
        if (p.Leader == BrokerId && p.LeaderEpoch >= _leadableFrom) Lead(p);
        else if (p.Leader == BrokerId)
        {
            _log.Info("{0}: assigned leader at epoch {1}; waiting for the controller's answer to this instance's epoch claim", _tp, p.LeaderEpoch);
            Timers.Cancel(nameof(SubscribeTick));
            Become(AwaitingRole);
        }
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
            case ReplicaManagerProtocol.ControllerChanged:
            case ControllerProtocol.LeaderEpochClaimed:
            case ClaimTick:
            case RetentionTick:
            case DeleteMessagesSuccess:
            case DeleteMessagesFailure:
            case ReplicationProtocol.ReplicateBatch:
            case ReplicationProtocol.FollowerFetchResult:
            case ReplicationProtocol.LogStartMoved:
            case OffsetsCleaner.Done:
            case OffsetsCleaner.Failed:
            case FollowerRead:
                break;
            default:
                Unhandled(msg);
                break;
        }
    }

    private PartitionProtocol.PartitionState StateReply(string role, ErrorInfo? error) =>
        new(_tp, role, _leaderEpoch, _partitionLog.LogEndOffset, _highWatermark,
            _leader?.InSyncReplicas.ToArray() ?? _assignment?.Isr ?? Array.Empty<int>(), error)
        {
            LogStartOffset = _partitionLog.LogStartOffset,
            LogSizeBytes = _partitionLog.SizeInBytes,
        };

    private void DeleteAndStop()
    {
        _log.Info("{0}: topic deleted; deleting this replica's journal", _tp);
        // The index snapshots go first, and only once no snapshot is being saved: a journal deleted under a
        // surviving snapshot would hand a topic created again under the same name the old log's index.
        if (!_snapshotInFlight) DeleteSnapshots(SnapshotSelectionCriteria.Latest);
        Become(() =>
        {
            Command<SaveSnapshotSuccess>(_ => DeleteSnapshots(SnapshotSelectionCriteria.Latest));
            Command<SaveSnapshotFailure>(_ => DeleteSnapshots(SnapshotSelectionCriteria.Latest));
            Command<DeleteSnapshotsSuccess>(d =>
            {
                // An answer to the clean-up after an earlier snapshot is not the one this waits for.
                if (d.Criteria.MaxSequenceNr == long.MaxValue) DeleteMessages(long.MaxValue);
            });
            Command<DeleteSnapshotsFailure>(f =>
            {
                if (f.Criteria.MaxSequenceNr != long.MaxValue) return;
                _log.Error(f.Cause, "{0}: could not delete the log index snapshots of a deleted topic; its journal is kept", _tp);
                Context.Stop(Self);
            });
            // Answers to retention's deletions may still come: only the deletion of everything ends the replica (it
            // reaches the last event: Akka.Persistence sends long.MaxValue as LastSequenceNr; retention never does).
            Command<DeleteMessagesSuccess>(d =>
            {
                if (d.ToSequenceNr >= LastSequenceNr) Context.Stop(Self);
            });
            Command<DeleteMessagesFailure>(f =>
            {
                if (f.ToSequenceNr < LastSequenceNr) return;
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
