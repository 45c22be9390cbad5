namespace ActorLog.Groups.Assignment;

/// <summary>
/// Computes a group's target assignment on the server (as Kafka's KIP-848 does), as a pure function of its input.
/// Contract: every partition of every topic some member subscribes to goes to exactly one live member subscribed
/// to that topic, and every live member appears in the result, with an empty set when it gets nothing.
/// </summary>
public interface IPartitionAssignor
{
    /// <summary>The name a group is configured with (<see cref="Assignors.ByName"/>).</summary>
    string Name { get; }

    GroupAssignment Assign(AssignmentInput input);
}
