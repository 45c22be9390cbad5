using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding.External;
using Akka.DistributedData;
using Akka.Event;
using ActorLog.Broker;
using ActorLog.Common;
using ActorLog.Configuration;
using ActorLog.Metadata;
using ActorLog.Partition;
using static ActorLog.Controller.ControllerProtocol;

namespace ActorLog.Controller;

/// <summary>
/// The cluster-singleton controller: topics, replica assignment, leaders and epochs, ISR. Its state is the
/// replicated <see cref="ClusterMetadata"/>: it reads it with a majority on start (so a moved singleton
/// continues where the last one stopped), and every change is a majority write before anyone is told.
/// Commands run one at a time (Ready → Writing → Ready), others wait in the stash.
/// </summary>
public sealed class ControllerActor : ReceiveActor, IWithUnboundedStash
{
    public const string SingletonName = "controller";

    private sealed record Elect(string Reason);

    private sealed record WriteDone(bool Success, string? Failure);

    private sealed record LocationsDone(Action Complete, Exception? Failure);

    private readonly ActorLogSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private ClusterMetadata _metadata = ClusterMetadata.Empty;

    public ControllerActor(ActorLogSettings settings)
    {
        _settings = settings;
        Loading();
    }

    public static Props Props(ActorLogSettings settings) => Akka.Actor.Props.Create(() => new ControllerActor(settings));

    public IStash Stash { get; set; } = null!;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
        _replicator.Tell(Dsl.Get(MetadataKey.Key, new ReadMajority(_settings.MetadataWriteTimeout)));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Loading()
    {
        Receive<GetSuccess>(g => Loaded(MetadataKey.ValueOf(g.Get(MetadataKey.Key)), "a majority"));
        Receive<NotFound>(_ => Loaded(ClusterMetadata.Empty, "a majority (no metadata yet)"));
        Receive<GetFailure>(_ =>
        {
            // No majority answered (brokers still starting): use what this broker has and let writes reconcile.
            _log.Warning("Controller: no majority answered the metadata read; using this broker's copy");
            _replicator.Tell(Dsl.Get(MetadataKey.Key, ReadLocal.Instance));
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Loaded(ClusterMetadata metadata, string source)
    {
        _metadata = metadata;
        _log.Info("Controller on broker {0}: loaded metadata version {1} ({2} topics) from {3}",
            _settings.BrokerId, metadata.Version, metadata.Topics.Count, source);
        Become(Ready);
        Stash.UnstashAll();
        Self.Tell(new Elect("controller started"));
    }

    private void Ready()
    {
        Receive<CreateTopic>(OnCreateTopic);
        Receive<DeleteTopic>(OnDeleteTopic);
        Receive<AlterIsr>(OnAlterIsr);
        Receive<Elect>(e => ElectLeaders(e.Reason));
        Receive<ClusterEvent.MemberUp>(m => Self.Tell(new Elect($"{m.Member.Address} up")));
        Receive<ClusterEvent.MemberRemoved>(m => Self.Tell(new Elect($"{m.Member.Address} removed")));
        Receive<GetSuccess>(_ => { });
        Receive<NotFound>(_ => { });
        Receive<GetFailure>(_ => { });
    }

    private void OnCreateTopic(CreateTopic cmd)
    {
        var live = BrokerDirectory.LiveBrokers(_cluster);
        var minIsr = cmd.MinInsyncReplicas > 0 ? cmd.MinInsyncReplicas : Math.Min(_settings.DefaultMinInsyncReplicas, Math.Max(1, cmd.ReplicationFactor));
        var error = TopicValidation.ValidateCreate(cmd.Name, cmd.Partitions, cmd.ReplicationFactor, minIsr, live.Count);
        if (error is null && _metadata.Topics.ContainsKey(cmd.Name))
            error = new ErrorInfo(ErrorCode.TopicAlreadyExists, $"Topic '{cmd.Name}' already exists");
        if (error is null && cmd.MaxMessageBytes < 0)
            error = new ErrorInfo(ErrorCode.InvalidConfig, $"max.message.bytes must be positive, got {cmd.MaxMessageBytes}");
        if (error is not null)
        {
            Sender.Tell(new TopicResult(null, error));
            return;
        }
        var config = new TopicConfig(minIsr, cmd.MaxMessageBytes > 0 ? cmd.MaxMessageBytes : _settings.MaxMessageBytes, false);
        var partitions = ReplicaAssigner.Assign(cmd.Partitions, cmd.ReplicationFactor, live.Keys.ToList(), _metadata.Topics.Count);
        var topic = new TopicMetadata(cmd.Name, config, partitions);
        var replyTo = Sender;
        Write(_metadata.WithTopic(topic), $"create topic {cmd.Name}", ok =>
        {
            if (!ok)
            {
                replyTo.Tell(new TopicResult(null, new ErrorInfo(ErrorCode.RequestTimedOut,
                    $"Topic '{cmd.Name}': the metadata write was not confirmed by a majority of brokers")));
                return;
            }
            MoveShards(topic.Partitions.Select(p => (new TopicPartition(topic.Name, p.Partition), p.Leader)),
                () => replyTo.Tell(new TopicResult(topic, null)));
        });
    }

    private void OnDeleteTopic(DeleteTopic cmd)
    {
        if (TopicValidation.ValidateName(cmd.Name) is { } nameError)
        {
            Sender.Tell(new TopicResult(null, nameError));
            return;
        }
        if (!_metadata.Topics.TryGetValue(cmd.Name, out var topic))
        {
            Sender.Tell(new TopicResult(null, new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Unknown topic '{cmd.Name}'")));
            return;
        }
        var replyTo = Sender;
        Write(_metadata.WithoutTopic(cmd.Name), $"delete topic {cmd.Name}", ok => replyTo.Tell(ok
            ? new TopicResult(topic, null)
            : new TopicResult(null, new ErrorInfo(ErrorCode.RequestTimedOut, $"Topic '{cmd.Name}': the delete was not confirmed by a majority"))));
    }

    private void OnAlterIsr(AlterIsr cmd)
    {
        var current = _metadata.Find(cmd.Partition);
        if (current is null)
        {
            Sender.Tell(new AlterIsrResult(cmd.Partition, null, new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Unknown partition {cmd.Partition}")));
            return;
        }
        if (current.Leader != cmd.LeaderBrokerId || current.LeaderEpoch != cmd.LeaderEpoch)
        {
            _log.Warning($"Controller: {cmd.Partition}: stale ISR change from broker {cmd.LeaderBrokerId} epoch [{cmd.LeaderEpoch}]; " +
                $"current leader {current.Leader} epoch [{current.LeaderEpoch}]");
            Sender.Tell(new AlterIsrResult(cmd.Partition, null, new ErrorInfo(ErrorCode.FencedLeaderEpoch,
                $"{cmd.Partition}: leader {cmd.LeaderBrokerId} epoch {cmd.LeaderEpoch} is stale (now {current.Leader} epoch {current.LeaderEpoch})")));
            return;
        }
        var updated = current with { Isr = cmd.Isr.Where(current.Replicas.Contains).Distinct().ToArray() };
        var topic = _metadata.Topics[cmd.Partition.Topic].WithPartition(updated);
        var replyTo = Sender;
        Write(_metadata.WithTopic(topic), $"ISR of {cmd.Partition} → [{string.Join(",", updated.Isr)}]", ok => replyTo.Tell(ok
            ? new AlterIsrResult(cmd.Partition, updated, null)
            : new AlterIsrResult(cmd.Partition, null, new ErrorInfo(ErrorCode.RequestTimedOut, "ISR change not confirmed by a majority"))));
    }

    /// <summary>Elects leaders for every partition whose leader is gone (or that is offline and can lead again).</summary>
    private void ElectLeaders(string reason)
    {
        var live = BrokerDirectory.LiveBrokers(_cluster).Keys.ToHashSet();
        var metadata = _metadata;
        var moved = new List<(TopicPartition, int)>();
        foreach (var topic in _metadata.Topics.Values)
        {
            var updated = topic;
            foreach (var p in topic.Partitions)
            {
                if (LeaderElection.Elect(p, live, topic.Config.UncleanLeaderElection) is not { } elected) continue;
                _log.Warning($"Controller: {topic.Name}/{p.Partition}: leader {p.Leader} → {elected.Leader} at epoch " +
                    $"{elected.LeaderEpoch} ({reason}); ISR [{string.Join(",", elected.Isr)}]");
                updated = updated.WithPartition(elected);
                if (elected.Leader >= 0) moved.Add((new TopicPartition(topic.Name, p.Partition), elected.Leader));
            }
            if (!ReferenceEquals(updated, topic)) metadata = metadata.WithTopic(updated);
        }
        if (ReferenceEquals(metadata, _metadata)) return;
        Write(metadata, $"elect leaders ({reason})", ok =>
        {
            if (ok) MoveShards(moved, () => { });
            else Self.Tell(new Elect(reason + ", retried"));
        });
    }

    /// <summary>Points each partition's shard at its leader's broker, so sharding routes requests there.</summary>
    private void MoveShards(IEnumerable<(TopicPartition Partition, int Leader)> partitions, Action complete)
    {
        var live = BrokerDirectory.LiveBrokers(_cluster);
        var locations = partitions
            .Where(p => live.ContainsKey(p.Leader))
            .ToImmutableDictionary(p => PartitionMessageExtractor.ShardIdOf(p.Partition), p => live[p.Leader]);
        if (locations.IsEmpty)
        {
            complete();
            return;
        }
        var client = ExternalShardAllocation.Get(Context.System).ClientFor(PartitionEntity.TypeName);
        client.UpdateShardLocations(locations).PipeTo(Self,
            success: _ => new LocationsDone(complete, null),
            failure: ex => new LocationsDone(complete, ex));
        Become(() =>
        {
            Receive<LocationsDone>(done =>
            {
                if (done.Failure is not null) _log.Warning("Controller: shard locations not updated: {0}", done.Failure.Message);
                done.Complete();
                Become(Ready);
                Stash.UnstashAll();
            });
            ReceiveAny(_ => Stash.Stash());
        });
    }

    /// <summary>Writes the whole metadata to a majority; the continuation runs before the next command.</summary>
    private void Write(ClusterMetadata next, string what, Action<bool> then)
    {
        var self = _cluster.SelfUniqueAddress;
        var timeout = _settings.MetadataWriteTimeout;
        _replicator.Tell(Dsl.Update(MetadataKey.Key, new LWWRegister<ClusterMetadata>(self, ClusterMetadata.Empty),
            new WriteMajority(timeout), register => register.WithValue(self, next)));
        _metadata = next;
        Become(() =>
        {
            Receive<UpdateSuccess>(_ => Self.Tell(new WriteDone(true, null)));
            Receive<IUpdateFailure>(f => Self.Tell(new WriteDone(false, f.ToString())));
            Receive<WriteDone>(done =>
            {
                if (!done.Success) _log.Warning("Controller: metadata write '{0}' failed: {1}", what, done.Failure);
                Become(Ready);
                then(done.Success);
                Stash.UnstashAll();
            });
            ReceiveAny(_ => Stash.Stash());
        });
    }
}
