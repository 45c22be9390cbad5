namespace ActorLog.Groups.Assignment;

/// <summary>
/// Everything an assignor decides from. The order of <see cref="Members"/> does not matter: assignors sort by
/// member id, so every coordinator that computes the target from the same facts gets the same answer.
/// <see cref="Current"/> is the previous target; it may name members that left and partitions that no longer
/// exist, and only the sticky assignor reads it.
/// </summary>
public sealed record AssignmentInput(
    IReadOnlyList<GroupMember> Members,
    IReadOnlyDictionary<string, int> PartitionCounts,
    GroupAssignment Current)
{
    public AssignmentInput(IReadOnlyList<GroupMember> members, IReadOnlyDictionary<string, int> partitionCounts)
        : this(members, partitionCounts, GroupAssignment.Empty)
    {
    }
}
