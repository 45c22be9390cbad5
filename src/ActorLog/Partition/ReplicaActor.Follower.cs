using Akka.Event;
using Akka.Actor;
using ActorLog.Broker;
using ActorLog.Common;
using ActorLog.Log;
using ActorLog.Metadata;

namespace ActorLog.Partition;

/// <summary>
/// The follower role: subscribes to the leader from its own log end, truncates where the leader's epochs
/// say its tail diverges, persists pushed batches in order and acknowledges its log-end offset.
/// </summary>
public sealed partial class ReplicaActor
{
    private sealed record SubscribeTick
    {
        public static readonly SubscribeTick Instance = new();
    }

    private int _followedLeader = -1;
    private IActorRef? _leaderRef;
    private long _lastHeardFromLeaderMs;
    private bool _subscribeWhenDrained;

    private void BecomeFollower(PartitionMetadata p)
    {
        _followedLeader = p.Leader;
        _leaderRef = null;
        _log.Info("{0}: following broker {1} at epoch {2} from offset {3}", _tp, p.Leader, p.LeaderEpoch, _writeEnd);
        Become(Follower);
        Timers.StartPeriodicTimer(nameof(SubscribeTick), SubscribeTick.Instance, _settings.FollowerKeepalive / 2);
        Subscribe();
    }

    private void Follower()
    {
        Command<ReplicationProtocol.FollowerFetchResult>(OnFollowerFetchResult);
        Command<ReplicationProtocol.ReplicateBatch>(OnReplicateBatch);
        Command<ReplicationProtocol.LogStartMoved>(OnLeaderLogStartMoved);
        Command<SubscribeTick>(_ =>
        {
            if (_leaderRef is null || NowMs - _lastHeardFromLeaderMs > _settings.FollowerKeepalive.TotalMilliseconds) Subscribe();
        });
        Command<PartitionProtocol.GetPartitionState>(_ => Sender.Tell(StateReply("follower", null)));
        Command<ReplicaManagerProtocol.AssignmentChanged>(OnAssignment);
        CommandClaims();
        CommandSnapshots();
        CommandRetention();
        Command<ReplicaManagerProtocol.DeletePartition>(_ => DeleteAndStop());
        Command<ReplicaManagerProtocol.BrokerDown>(_ => { });
        Command<ReplicaManagerProtocol.ControllerChanged>(_ => { });
        CommandAny(msg => RejectNotReady(msg));
    }

    /// <summary>Asks the leader for everything from our log end. Waits for in-flight writes so the offset is exact.</summary>
    private void Subscribe()
    {
        if (_writesInFlight > 0)
        {
            _subscribeWhenDrained = true;
            return;
        }
        var address = BrokerDirectory.AddressOf(_cluster, _followedLeader);
        if (address is null)
        {
            _log.Debug("{0}: leader broker {1} is not a cluster member yet", _tp, _followedLeader);
            return;
        }
        _lastHeardFromLeaderMs = NowMs;
        Context.ActorSelection(BrokerDirectory.ReplicaManagerPath(address)).Tell(
            new ReplicationProtocol.FollowerFetch(_tp, BrokerId, _leaderEpoch, _partitionLog.LogEndOffset, _partitionLog.Epochs.LatestEpoch));
    }

    private void OnWritesDrained()
    {
        if (_writesInFlight > 0) return;
        if (_leadWhenDrained is { } lead)
        {
            _leadWhenDrained = null;
            // A newer assignment may have come meanwhile (then it decided the role and this one is void).
            if (lead.LeaderEpoch == _leaderEpoch && _leader is null)
            {
                BecomeLeader(lead);
                return;
            }
        }
        if (!_subscribeWhenDrained) return;
        _subscribeWhenDrained = false;
        Subscribe();
    }

    private void OnFollowerFetchResult(ReplicationProtocol.FollowerFetchResult result)
    {
        if (result.LeaderEpoch != _leaderEpoch)
        {
            _log.Debug("{0}: fetch answer of epoch {1} ignored at epoch {2}", _tp, result.LeaderEpoch, _leaderEpoch);
            return;
        }
        if (!Sender.Path.Address.Equals(BrokerDirectory.AddressOf(_cluster, _followedLeader)))
        {
            // An answer to a subscription sent to the previous epoch's leader (it names our epoch as a hint): not ours.
            _log.Debug("{0}: fetch answer from {1}, not from leader {2}, ignored", _tp, Sender.Path.Address, _followedLeader);
            return;
        }
        if (result.Error is not null)
        {
            _log.Info("{0}: leader {1} refused the subscription: {2}", _tp, _followedLeader, result.Error);
            _leaderRef = null;
            return;
        }
        _lastHeardFromLeaderMs = NowMs;
        _highWatermark = Math.Max(_highWatermark, Math.Min(result.HighWatermark, _partitionLog.LogEndOffset));
        if (result.TruncateTo < 0 && result.LogStartOffset > _partitionLog.LogEndOffset)
        {
            _log.Warning("{0}: log ends at {1}, below leader {2}'s log start {3} (retention dropped the records between); starting over there",
                _tp, _partitionLog.LogEndOffset, _followedLeader, result.LogStartOffset);
            Persist(new LogStartAdvanced(result.LogStartOffset), moved =>
            {
                MoveLogStart(moved, $"behind leader {_followedLeader}'s log start");
                _writeEnd = _partitionLog.LogEndOffset;
                _highWatermark = _writeEnd;
                Subscribe();
            });
            return;
        }
        if (result.TruncateTo >= 0)
        {
            _log.Warning("{0}: log diverges from leader {1} at offset {2} (log end {3}); truncating",
                _tp, _followedLeader, result.TruncateTo, _partitionLog.LogEndOffset);
            Persist(new LogTruncated(result.TruncateTo, _leaderEpoch), t =>
            {
                Truncate(t.Offset);
                _writeEnd = _partitionLog.LogEndOffset;
                _highWatermark = Math.Min(_highWatermark, _writeEnd);
                Subscribe();
            });
            return;
        }
        _leaderRef = Sender;
        FollowLeaderLogStart(result.LogStartOffset);
    }

    private void OnReplicateBatch(ReplicationProtocol.ReplicateBatch push)
    {
        if (push.LeaderEpoch != _leaderEpoch)
        {
            _log.Debug("{0}: push of epoch {1} ignored at epoch {2}", _tp, push.LeaderEpoch, _leaderEpoch);
            return;
        }
        _lastHeardFromLeaderMs = NowMs;
        _leaderRef = Sender;
        var batch = push.Batch;
        if (batch.NextOffset <= _writeEnd)
        {
            // Already have it (a re-subscription resent it): acknowledge what we hold.
            if (_writesInFlight == 0) Ack();
            return;
        }
        if (batch.BaseOffset > _writeEnd)
        {
            _log.Info("{0}: gap before pushed offset {1} (log end {2}); subscribing again", _tp, batch.BaseOffset, _writeEnd);
            _leaderRef = null;
            Subscribe();
            return;
        }
        if (batch.BaseOffset < _writeEnd)
            batch = batch.Slice(_writeEnd, batch.NextOffset);

        _writeEnd = batch.NextOffset;
        _writesInFlight++;
        var epoch = _leaderEpoch;
        var leaderHw = push.HighWatermark;
        PersistAsync(batch, persisted =>
        {
            _writesInFlight--;
            // LastSequenceNr is this event's: Akka.Persistence sets it before it calls the handler.
            _partitionLog.Append(persisted, LastSequenceNr);
            _producers.Record(persisted);
            OnAppended(persisted);
            _highWatermark = Math.Max(_highWatermark, Math.Min(leaderHw, _partitionLog.LogEndOffset));
            if (_leaderEpoch == epoch && _leader is null) Ack();
            // The leader's start may have passed this log's end while it caught up.
            if (_leaderLogStart > _leaderLogStartFollowed && _leader is null && _leadWhenDrained is null) FollowLeaderLogStart(_leaderLogStart);
            OnWritesDrained();
        });
    }

    private void Ack() => _leaderRef?.Tell(new ReplicationProtocol.FollowerAck(_tp, BrokerId, _leaderEpoch, _partitionLog.LogEndOffset));
}
