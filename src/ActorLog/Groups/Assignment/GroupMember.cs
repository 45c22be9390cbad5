namespace ActorLog.Groups.Assignment;

/// <summary>
/// A live member of a consumer group as the assignors see it. Topics may name topics that do not exist (yet):
/// a consumer can subscribe before its topic is created, so such topics are skipped rather than refused.
/// </summary>
public sealed record GroupMember(string MemberId, IReadOnlyList<string> SubscribedTopics);
