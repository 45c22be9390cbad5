using Akka.Actor;
using Akka.Event;
using ActorLog.Broker;
using ActorLog.Common;
using ActorLog.Metadata;
using ActorLog.Replication;
using static ActorLog.Controller.ControllerProtocol;

namespace ActorLog.Controller;

/// <summary>Topic commands (create, delete, alter config, add partitions) and leaders' ISR changes.</summary>
public sealed partial class ControllerActor
{
    private void OnCreateTopic(CreateTopic cmd)
    {
        var live = _view.LiveBrokers();
        var minIsr = cmd.MinInsyncReplicas > 0 ? cmd.MinInsyncReplicas : Math.Min(_settings.DefaultMinInsyncReplicas, Math.Max(1, cmd.ReplicationFactor));
        var error = TopicValidation.ValidateCreate(cmd.Name, cmd.Partitions, cmd.ReplicationFactor, minIsr, live.Count);
        if (error is null && _metadata.Topics.ContainsKey(cmd.Name))
            error = new ErrorInfo(ErrorCode.TopicAlreadyExists, $"Topic '{cmd.Name}' already exists");
        if (error is null && cmd.MaxMessageBytes < 0)
            error = new ErrorInfo(ErrorCode.InvalidConfig, $"max.message.bytes must be positive, got {cmd.MaxMessageBytes}");
        error ??= TopicValidation.ValidateRetention(cmd.RetentionMs, cmd.RetentionBytes);
        if (error is not null)
        {
            Sender.Tell(new TopicResult(null, error));
            return;
        }
        var config = new TopicConfig(minIsr, cmd.MaxMessageBytes > 0 ? cmd.MaxMessageBytes : _settings.MaxMessageBytes, cmd.UncleanLeaderElection,
            cmd.RetentionMs ?? _settings.DefaultRetentionMs, cmd.RetentionBytes ?? _settings.DefaultRetentionBytes);
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
        if (cmd.Name == Groups.OffsetsTopic.Name)
        {
            // Every group's committed offsets live there.
            Sender.Tell(new TopicResult(null, new ErrorInfo(ErrorCode.InvalidTopic, $"{cmd.Name} is an internal topic and cannot be deleted")));
            return;
        }
        if (!TryGetTopic(cmd.Name, out var topic)) return;
        var replyTo = Sender;
        Write(_metadata.WithoutTopic(cmd.Name), $"delete topic {cmd.Name}", ok => replyTo.Tell(ok
            ? new TopicResult(topic, null)
            : new TopicResult(null, new ErrorInfo(ErrorCode.RequestTimedOut, $"Topic '{cmd.Name}': the delete was not confirmed by a majority"))));
    }

    private void OnAlterTopicConfig(AlterTopicConfig cmd)
    {
        if (!TryGetTopic(cmd.Name, out var topic)) return;
        var invalid = TopicValidation.ValidateRetention(cmd.RetentionMs, cmd.RetentionBytes);
        if (invalid is null && cmd.Name == Groups.OffsetsTopic.Name && ((cmd.RetentionMs ?? -1) != -1 || (cmd.RetentionBytes ?? -1) != -1))
            invalid = new ErrorInfo(ErrorCode.InvalidConfig, $"{cmd.Name} holds the consumer groups' state and keeps all of it: its retention stays -1");
        if (invalid is not null)
        {
            Sender.Tell(new TopicResult(null, invalid));
            return;
        }
        var old = topic.Config;
        var config = old with
        {
            UncleanLeaderElection = cmd.UncleanLeaderElection ?? old.UncleanLeaderElection,
            RetentionMs = cmd.RetentionMs ?? old.RetentionMs,
            RetentionBytes = cmd.RetentionBytes ?? old.RetentionBytes,
        };
        var updated = topic with { Config = config };
        var replyTo = Sender;
        var what = $"unclean.leader.election.enable = {config.UncleanLeaderElection}, retention.ms = {config.RetentionMs}, retention.bytes = {config.RetentionBytes}";
        Write(_metadata.WithTopic(updated), $"topic {cmd.Name}: {what}", ok =>
        {
            replyTo.Tell(ok
                ? new TopicResult(updated, null)
                : new TopicResult(null, new ErrorInfo(ErrorCode.RequestTimedOut, $"Topic '{cmd.Name}': the change was not confirmed by a majority")));
            // Enabling it may bring an offline partition back (with the loss the operator accepted).
            if (ok && cmd.UncleanLeaderElection == true) Self.Tell(new Elect($"unclean leader election enabled for {cmd.Name}"));
        });
    }

    private void OnAddPartitions(AddPartitions cmd)
    {
        if (cmd.Name == Groups.OffsetsTopic.Name)
        {
            // A group's coordinator is chosen by hash modulo this count: changing it would move every group away from its committed offsets.
            Sender.Tell(new TopicResult(null, new ErrorInfo(ErrorCode.InvalidTopic,
                $"{cmd.Name} is an internal topic: its partition count cannot change (each group's offsets live in partition hash(group) % count)")));
            return;
        }
        if (!TryGetTopic(cmd.Name, out var topic)) return;
        var live = _view.LiveBrokers();
        if (TopicValidation.ValidateAddPartitions(topic, cmd.TotalPartitions, live.Count) is { } error)
        {
            Sender.Tell(new TopicResult(null, error));
            return;
        }
        // Only the new partitions are placed: existing ones keep replicas, leaders, epochs and ISR (and so their data).
        var added = ReplicaAssigner.AssignAdditional(topic.Partitions, cmd.TotalPartitions, topic.ReplicationFactor, live.Keys.ToList());
        var updated = topic with { Partitions = topic.Partitions.Concat(added).ToArray() };
        var replyTo = Sender;
        _log.Info("Controller: topic {0}: adding partitions {1}..{2} ({3})", cmd.Name, topic.Partitions.Count, cmd.TotalPartitions - 1,
            string.Join("; ", added.Select(p => $"{p.Partition}: leader {p.Leader}, replicas [{string.Join(",", p.Replicas)}]")));
        Write(_metadata.WithTopic(updated), $"topic {cmd.Name}: {topic.Partitions.Count} → {cmd.TotalPartitions} partitions", ok =>
        {
            if (!ok)
            {
                replyTo.Tell(new TopicResult(null, new ErrorInfo(ErrorCode.RequestTimedOut,
                    $"Topic '{cmd.Name}': the new partitions were not confirmed by a majority of brokers")));
                return;
            }
            // As at creation: each new partition's shard points at its leader before the caller is answered.
            MoveShards(added.Select(p => (new TopicPartition(updated.Name, p.Partition), p.Leader)),
                () => replyTo.Tell(new TopicResult(updated, null)));
        });
    }

    /// <summary>Finds a topic or answers the sender with a TopicResult error.</summary>
    private bool TryGetTopic(string name, out TopicMetadata topic)
    {
        if (TopicValidation.ValidateName(name) is { } nameError)
        {
            Sender.Tell(new TopicResult(null, nameError));
            topic = null!;
            return false;
        }
        if (!_metadata.Topics.TryGetValue(name, out topic!))
        {
            Sender.Tell(new TopicResult(null, new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Unknown topic '{name}'")));
            return false;
        }
        return true;
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

    /// <summary>See <see cref="ClaimLeaderEpoch"/> and <see cref="LeaderEpochClaims"/>.</summary>
    private void OnClaimLeaderEpoch(ClaimLeaderEpoch cmd)
    {
        var current = _metadata.Find(cmd.Partition);
        if (current is null)
        {
            Sender.Tell(new LeaderEpochClaimed(cmd.Partition, null, new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Unknown partition {cmd.Partition}")));
            return;
        }
        var granted = _grantedTo.TryGetValue(cmd.Partition, out var g) ? g : ((int, long)?)null;
        if (!LeaderEpochClaims.NeedsNewEpoch(current, cmd.BrokerId, cmd.Incarnation, cmd.Restarted, granted))
        {
            Sender.Tell(new LeaderEpochClaimed(cmd.Partition, current, null));
            return;
        }
        var updated = current with { LeaderEpoch = current.LeaderEpoch + 1 };
        var topic = _metadata.Topics[cmd.Partition.Topic].WithPartition(updated);
        var replyTo = Sender;
        Write(_metadata.WithTopic(topic), $"{cmd.Partition}: leader {cmd.BrokerId} started a new replica instance, epoch {current.LeaderEpoch} → {updated.LeaderEpoch}",
            ok => replyTo.Tell(ok
                ? new LeaderEpochClaimed(cmd.Partition, updated, null)
                : new LeaderEpochClaimed(cmd.Partition, null, new ErrorInfo(ErrorCode.RequestTimedOut, "Leader epoch claim not confirmed by a majority"))));
    }
}
