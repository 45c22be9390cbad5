using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding.External;
using Akka.Event;
using ActorLog.Broker;
using ActorLog.Common;
using ActorLog.Metadata;
using ActorLog.Partition;
using static ActorLog.Controller.ControllerProtocol;

namespace ActorLog.Controller;

/// <summary>Leader elections: on a broker's loss or return, preferred-leader rebalancing, and shard placement.</summary>
public sealed partial class ControllerActor
{
    private sealed record Elect(string Reason);

    private sealed record RebalanceTick
    {
        public static readonly RebalanceTick Instance = new();
    }

    private sealed record PlaceAllShards
    {
        public static readonly PlaceAllShards Instance = new();
    }

    private sealed record LocationsDone(Action Complete, Exception? Failure);

    /// <summary>Since when each partition's preferred replica has been eligible to lead again (for the rebalance delay).</summary>
    private readonly Dictionary<TopicPartition, long> _preferredEligibleSince = new();

    private static long NowMs => Environment.TickCount64;

    /// <summary>Elects leaders for every partition whose leader is gone (or that is offline and can lead again).</summary>
    private void ElectLeaders(string reason)
    {
        var live = _view.LiveBrokers(NowMs, _settings.UnreachableGrace).Keys.ToHashSet();
        var metadata = _metadata;
        var moved = new List<(TopicPartition, int)>();
        foreach (var topic in _metadata.Topics.Values)
        {
            var updated = topic;
            foreach (var p in topic.Partitions)
            {
                if (LeaderElection.Elect(p, live, topic.Config.UncleanLeaderElection) is not { } elected) continue;
                if (elected.Leader < 0)
                    _log.Error($"Controller: {topic.Name}/{p.Partition} is OFFLINE ({reason}): no in-sync replica of [{string.Join(",", p.Isr)}] " +
                        $"is alive{(topic.Config.UncleanLeaderElection ? " and no replica at all" : "; unclean leader election is off for the topic")}");
                else
                    _log.Warning($"Controller: {topic.Name}/{p.Partition}: leader {p.Leader} → {elected.Leader} at epoch " +
                        $"{elected.LeaderEpoch} ({reason}){(elected.Isr.Count == 1 && !p.Isr.Contains(elected.Leader) ? " UNCLEAN: records may be lost" : "")}; " +
                        $"ISR [{string.Join(",", elected.Isr)}]");
                updated = updated.WithPartition(elected);
                if (elected.Leader >= 0) moved.Add((new TopicPartition(topic.Name, p.Partition), elected.Leader));
            }
            if (!ReferenceEquals(updated, topic)) metadata = metadata.WithTopic(updated);
        }
        if (ReferenceEquals(metadata, _metadata)) return;
        Write(metadata, $"elect leaders ({reason})", ok =>
        {
            if (ok) MoveShards(moved, () => { });
            else Timers.StartSingleTimer(("elect", reason), new Elect(reason + ", retried"), TimeSpan.FromMilliseconds(500));
        });
    }

    private void OnElectPreferred(ElectPreferredLeaders cmd)
    {
        if (cmd.Topic is not null && !_metadata.Topics.ContainsKey(cmd.Topic))
        {
            Sender.Tell(new ElectPreferredLeadersResult(Array.Empty<PartitionElection>(),
                TopicValidation.ValidateName(cmd.Topic) ?? new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Unknown topic '{cmd.Topic}'")));
            return;
        }
        var live = _view.LiveBrokers().Keys.ToHashSet();
        var outcomes = new List<PartitionElection>();
        var elected = new List<(TopicPartition, PartitionMetadata)>();
        foreach (var topic in _metadata.Topics.Values.Where(t => cmd.Topic is null || t.Name == cmd.Topic))
            foreach (var p in topic.Partitions)
            {
                var result = LeaderElection.ElectPreferred(p, live);
                var now = result.Elected ?? p;
                outcomes.Add(new PartitionElection(topic.Name, p.Partition, now.Leader, now.LeaderEpoch, result.Outcome, result.Reason));
                if (result.Elected is not null) elected.Add((new TopicPartition(topic.Name, p.Partition), result.Elected));
            }
        var replyTo = Sender;
        if (elected.Count == 0)
        {
            replyTo.Tell(new ElectPreferredLeadersResult(outcomes, null));
            return;
        }
        ApplyElections(elected, "preferred leader election requested", ok => replyTo.Tell(ok
            ? new ElectPreferredLeadersResult(outcomes, null)
            : new ElectPreferredLeadersResult(Array.Empty<PartitionElection>(),
                new ErrorInfo(ErrorCode.RequestTimedOut, "The leader changes were not confirmed by a majority of brokers"))));
    }

    /// <summary>Kafka's auto leader rebalance: a preferred replica eligible for the whole delay takes leadership back.</summary>
    private void OnRebalanceTick()
    {
        if (_settings.LeaderRebalanceDelay is not { } delay) return;
        var live = _view.LiveBrokers().Keys.ToHashSet();
        var now = NowMs;
        var due = new List<(TopicPartition, PartitionMetadata)>();
        var eligible = new HashSet<TopicPartition>();
        foreach (var topic in _metadata.Topics.Values)
            foreach (var p in topic.Partitions)
            {
                // An offline partition is the election's business, not the rebalance's.
                if (p.Leader < 0 || LeaderElection.ElectPreferred(p, live).Elected is not { } elected) continue;
                var tp = new TopicPartition(topic.Name, p.Partition);
                eligible.Add(tp);
                if (!_preferredEligibleSince.TryGetValue(tp, out var since)) _preferredEligibleSince[tp] = now;
                else if (now - since >= delay.TotalMilliseconds) due.Add((tp, elected));
            }
        foreach (var tp in _preferredEligibleSince.Keys.Where(tp => !eligible.Contains(tp)).ToList()) _preferredEligibleSince.Remove(tp);
        if (due.Count == 0) return;
        foreach (var (tp, _) in due) _preferredEligibleSince.Remove(tp);
        ApplyElections(due, $"preferred replica back in sync for {delay.TotalSeconds:0.#} s", _ => { });
    }

    private void ApplyElections(IReadOnlyList<(TopicPartition Partition, PartitionMetadata Elected)> elections, string reason, Action<bool> then)
    {
        var metadata = _metadata;
        foreach (var (tp, elected) in elections)
        {
            var current = metadata.Find(tp)!;
            _log.Info($"Controller: {tp}: leader {current.Leader} → {elected.Leader} at epoch {elected.LeaderEpoch} ({reason})");
            metadata = metadata.WithTopic(metadata.Topics[tp.Topic].WithPartition(elected));
        }
        Write(metadata, reason, ok =>
        {
            if (ok) MoveShards(elections.Select(e => (e.Partition, e.Elected.Leader)), () => then(true));
            else then(false);
        });
    }

    /// <summary>Points each partition's shard at its leader's broker, so sharding routes requests there.</summary>
    private void MoveShards(IEnumerable<(TopicPartition Partition, int Leader)> partitions, Action complete)
    {
        partitions = partitions.ToList();
        PlaceGroupShards(partitions);
        var live = _view.LiveBrokers();
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
}
